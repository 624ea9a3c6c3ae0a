import { selectedDatabases } from '../support/databases';
import { createTestApp, MODES, PASSWORD, TestApp } from '../support/test-app';

const setCookieOf = (response: { headers: Record<string, any> }) => [response.headers['set-cookie'] ?? []].flat().join('\n');
const firstCookie = (response: { headers: Record<string, any> }) => setCookieOf(response).split(';')[0];
const CREDENTIALS = { username: 'cara', password: PASSWORD };

describe.each(selectedDatabases())('cookie transport against cross-site requests on %s', (database) => {
  describe.each(MODES)('%s mode: login sets the cookie only for requests a cross-site form cannot make', (mode) => {
    let t: TestApp;
    const rows = async () => Number((await t.dataSource.query('SELECT COUNT(*) AS n FROM auth_tokens'))[0].n);
    beforeAll(async () => {
      t = await createTestApp({ database, mode, options: { cookie: {} } });
      await t.register('cara');
    });
    afterAll(() => t.close());

    it.each([
      ['a form-encoded POST', 'application/x-www-form-urlencoded', `username=cara&password=${encodeURIComponent(PASSWORD)}`],
      ['a text/plain POST', 'text/plain', JSON.stringify(CREDENTIALS)],
      ['a JSON POST without the header', 'application/json', JSON.stringify(CREDENTIALS)],
    ])('refuses %s with csrf_check_failed, no Set-Cookie and no session', async (_what, type, body) => {
      const before = await rows();
      const response = await t.http().post('/auth/login').set('Content-Type', type).send(body);
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ error: 'csrf_check_failed', message: 'Requests authenticated by cookie must send the X-Requested-With header.' });
      expect(response.headers['set-cookie']).toBeUndefined();
      expect(await rows()).toBe(before);
    });

    it('logs in with JSON and the header', async () => {
      const response = await t.http().post('/auth/login').set('X-Requested-With', 'fetch').send(CREDENTIALS);
      expect(response.status).toBe(200);
      expect(setCookieOf(response)).toMatch(/; HttpOnly; Secure; SameSite=Strict$/);
    });
  });

  describe('rotate mode: refresh', () => {
    let t: TestApp;
    const login = () => t.http().post('/auth/login').set('X-Requested-With', 'fetch').send(CREDENTIALS);
    beforeAll(async () => {
      t = await createTestApp({ database, mode: 'rotate', options: { cookie: {}, throttle: { login: { limit: 2, window: 60 }, refresh: { limit: 2, window: 60 } } } });
      await t.register('cara');
    });
    afterAll(() => t.close());

    it('refuses a form carrying a refresh token in the body (it would set the cookie: login CSRF again)', async () => {
      const attackers = firstCookie(await login()).split('=')[1];
      const response = await t.http().post('/auth/refresh').type('form').send(`refreshToken=${attackers}`);
      expect(response.status).toBe(403);
      expect(response.body.error).toBe('csrf_check_failed');
      expect(response.headers['set-cookie']).toBeUndefined();
      // Not spent: the legitimate holder refreshes with it.
      expect((await t.http().post('/auth/refresh').set('X-Requested-With', 'fetch').send({ refreshToken: attackers })).status).toBe(200);
    });

    it('does not count CSRF-refused refreshes against the session', async () => {
      const cookie = firstCookie(await login());
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await t.http().post('/auth/refresh').set('Cookie', cookie)).status);
      expect(statuses).toEqual([403, 403, 403]);
      const legit = await t.http().post('/auth/refresh').set('Cookie', cookie).set('X-Requested-With', 'fetch');
      expect(legit.status).toBe(200);
      expect(firstCookie(legit)).not.toBe(cookie);
    });

    it('does not count CSRF-refused logins against the client address', async () => {
      const fresh = await createTestApp({ database, mode: 'extend', options: { cookie: {}, throttle: { login: { limit: 2, window: 60 } } } });
      try {
        await fresh.register('cara');
        const statuses = [];
        for (let i = 0; i < 3; i++) statuses.push((await fresh.http().post('/auth/login').type('form').send('username=cara&password=x')).status);
        expect(statuses).toEqual([403, 403, 403]);
        expect((await fresh.http().post('/auth/login').set('X-Requested-With', 'fetch').send(CREDENTIALS)).status).toBe(200);
      } finally {
        await fresh.close();
      }
    });
  });
});
