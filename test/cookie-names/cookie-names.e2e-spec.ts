import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CookieOptions } from '../../lib/token-auth.options';
import { TokenAuthConfigError, TokenAuthModule } from '../../lib';
import { selectedDatabases } from '../support/databases';
import { createTestApp, Mode, PASSWORD, TEST_SECRET, TestApp, TestUser, TestUsers } from '../support/test-app';

const setCookieOf = (response: { headers: Record<string, any> }) => [response.headers['set-cookie'] ?? []].flat().join('\n');
const CSRF = ['X-Requested-With', 'fetch'] as const;

describe.each(selectedDatabases())('cookie names against cookie tossing on %s', (database) => {
  describe.each<[Mode, CookieOptions, RegExp]>([
    ['extend', {}, /^__Host-nta_token=ntk_at_\w{50}; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Strict$/],
    ['rotate', {}, /^__Secure-nta_refresh=ntk_rt_\w{50}; Max-Age=\d+; Path=\/auth; HttpOnly; Secure; SameSite=Strict$/],
    ['rotate', { path: '/' }, /^__Host-nta_refresh=ntk_rt_\w{50}; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Strict$/],
    ['extend', { secure: false }, /^nta_token=ntk_at_\w{50}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict$/],
    ['rotate', { secure: false }, /^nta_refresh=ntk_rt_\w{50}; Max-Age=\d+; Path=\/auth; HttpOnly; SameSite=Strict$/],
    ['extend', { name: '__Host-sid' }, /^__Host-sid=ntk_at_\w{50}; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Strict$/],
    ['rotate', { name: '__Secure-rt' }, /^__Secure-rt=ntk_rt_\w{50}; Max-Age=\d+; Path=\/auth; HttpOnly; Secure; SameSite=Strict$/],
  ])('%s mode with cookie %j', (mode, cookie, expected) => {
    let t: TestApp;
    let session: string;
    // Two sessions: the victim's, and the attacker's, whose cookie a sibling subdomain plants.
    let planted: string;
    const login = async () => setCookieOf(await t.http().post('/auth/login').set(...CSRF).send({ username: 'toss', password: PASSWORD })).split(';')[0];
    const use = (cookies: string) =>
      mode === 'extend' ? t.http().get('/me').set('Cookie', cookies) : t.http().post('/auth/refresh').set(...CSRF).set('Cookie', cookies);

    beforeAll(async () => {
      t = await createTestApp({ database, mode, options: { cookie } });
      await t.register('toss');
      const first = await t.http().post('/auth/login').set(...CSRF).send({ username: 'toss', password: PASSWORD });
      expect(setCookieOf(first)).toMatch(expected);
      session = setCookieOf(first).split(';')[0];
      planted = await login();
    });
    afterAll(() => t.close());

    it('refuses a request carrying the cookie twice, whichever comes first, and uses neither', async () => {
      for (const cookies of [`${planted}; ${session}`, `${session}; other=1; ${planted}`]) {
        const response = await use(cookies);
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ error: 'invalid_request', reason: 'duplicate_cookie' });
        expect(response.body.message).toContain(`${session.split('=')[0]} cookie more than once`);
        expect(response.headers['set-cookie']).toBeUndefined();
        // A bearer challenge where the cookie is the access token; refresh refusals carry none (RFC 6749).
        if (mode === 'extend') expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_request", error_description="/);
        else expect(response.headers['www-authenticate']).toBeUndefined();
      }
      // Neither was used: the victim's session still works on its own.
      expect((await use(session)).status).toBe(200);
    });

    it('ignores cookies whose names merely contain the name', async () => {
      const name = session.split('=')[0];
      const fresh = await login();
      expect((await use(`x${name}=junk; ${name}x=junk; ${fresh}`)).status).toBe(200);
    });
  });

  it('extend mode: a state change with two cookies is refused and revokes nothing', async () => {
    const t = await createTestApp({ database, mode: 'extend', options: { cookie: {} } });
    try {
      await t.register('toss');
      const login = async () => setCookieOf(await t.http().post('/auth/login').set(...CSRF).send({ username: 'toss', password: PASSWORD })).split(';')[0];
      const victim = await login();
      const planted = await login();
      const logout = await t.http().post('/auth/logout').set(...CSRF).set('Cookie', `${planted}; ${victim}`);
      expect(logout.status).toBe(400);
      // The Passport strategy applies the same rule.
      const passport = await t.http().get('/me/passport').set('Cookie', `${planted}; ${victim}`);
      expect(passport.status).toBe(400);
      expect(passport.body.reason).toBe('duplicate_cookie');
      expect((await t.http().get('/me').set('Cookie', victim)).status).toBe(200);
      expect((await t.http().get('/me').set('Cookie', planted)).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('cookie.name against its prefix at boot', () => {
  const boot = (mode: Mode, cookie: CookieOptions) =>
    Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', autoLoadEntities: true, synchronize: true }),
        TypeOrmModule.forFeature([TestUser]),
        TokenAuthModule.forRoot({ mode, users: TestUsers, secrets: TEST_SECRET, cookie }),
      ],
      providers: [TestUsers],
    }).compile();

  it.each<[Mode, CookieOptions, string]>([
    ['extend', { name: '__Host-sid', secure: false }, 'free of the __Host- prefix unless cookie.secure is true and the cookie path is "/" (here secure false, path "/")'],
    ['extend', { name: '__Host-sid', path: '/app' }, '(here secure true, path "/app")'],
    ['rotate', { name: '__Host-rt' }, '(here secure true, path "/auth")'],
    ['extend', { name: '__host-sid', secure: false }, 'free of the __Host- prefix'],
    ['rotate', { name: '__Secure-rt', secure: false }, 'free of the __Secure- prefix unless cookie.secure is true'],
  ])('%s mode refuses %j', async (mode, cookie, message) => {
    const booting = boot(mode, cookie);
    await expect(booting).rejects.toThrow(TokenAuthConfigError);
    await expect(booting).rejects.toThrow(`option "cookie.name" must be free of the __`);
    await expect(booting).rejects.toThrow(message);
  });

  it('boots a prefixed name whose attributes fit', async () => {
    const moduleRef = await boot('rotate', { name: '__Host-rt', path: '/' });
    await moduleRef.close();
  });
});
