import { selectedDatabases } from '../support/databases';
import { createTestApp, PASSWORD, TestApp } from '../support/test-app';

const cookieOf = (response: { headers: Record<string, any> }) => [response.headers['set-cookie'] ?? []].flat().join('\n');

describe.each(selectedDatabases())('HttpOnly cookie transport on %s', (database) => {
  describe('rotate mode: the refresh token lives in a cookie scoped to the auth routes', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ database, mode: 'rotate', options: { cookie: {} } });
      await t.register('uma');
    });
    afterAll(() => t.close());

    it('sets the cookie on login, keeps the refresh token out of the body, refreshes from the cookie with the CSRF header', async () => {
      const login = await t.http().post('/auth/login').set('X-Requested-With', 'fetch').send({ username: 'uma', password: PASSWORD });
      expect(login.status).toBe(200);
      expect(login.body.refreshToken).toBeUndefined();
      expect(login.body.refreshExpiry).toEqual(expect.any(String));
      const setCookie = cookieOf(login);
      expect(setCookie).toMatch(/^__Secure-nta_refresh=ntk_rt_[0-9A-Za-z]{50}; Max-Age=2592000; Path=\/auth; HttpOnly; Secure; SameSite=Strict$/);
      const cookie = setCookie.split(';')[0];

      const withoutHeader = await t.http().post('/auth/refresh').set('Cookie', cookie);
      expect(withoutHeader.status).toBe(403);
      expect(withoutHeader.body.error).toBe('csrf_check_failed');

      const refreshed = await t.http().post('/auth/refresh').set('Cookie', cookie).set('X-Requested-With', 'fetch');
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.token).toMatch(/^ntk_at_/);
      expect(refreshed.body.refreshToken).toBeUndefined();
      const next = cookieOf(refreshed).split(';')[0];
      expect(next).not.toBe(cookie);

      const logout = await t.http().post('/auth/logout').set('Authorization', `Bearer ${refreshed.body.token}`);
      expect(cookieOf(logout)).toContain('__Secure-nta_refresh=; Max-Age=0; Path=/auth');
      expect((await t.http().post('/auth/refresh').set('Cookie', next).set('X-Requested-With', 'fetch')).body.reason).toBe('revoked');
    });

    it('rate-limits cookie refreshes per session, not per client IP', async () => {
      const limited = await createTestApp({ database, mode: 'rotate', options: { cookie: {}, throttle: { login: false, refresh: { limit: 2, window: 60 } } } });
      try {
        await limited.register('uma');
        const login = async () => cookieOf(await limited.http().post('/auth/login').set('X-Requested-With', 'fetch').send({ username: 'uma', password: PASSWORD })).split(';')[0];
        const refresh = (cookie: string) => limited.http().post('/auth/refresh').set('Cookie', cookie).set('X-Requested-With', 'fetch');
        let first = await login();
        const second = await login();
        for (let i = 0; i < 2; i++) first = cookieOf(await refresh(first)).split(';')[0];
        expect((await refresh(first)).status).toBe(429);
        // Same client IP, other session: its own budget.
        expect((await refresh(second)).status).toBe(200);
      } finally {
        await limited.close();
      }
    });

    it('still accepts the refresh token in the body, with the CSRF header (the answer sets the cookie)', async () => {
      const login = await t.http().post('/auth/login').set('X-Requested-With', 'fetch').send({ username: 'uma', password: PASSWORD });
      const refreshToken = cookieOf(login).split(';')[0].split('=')[1];
      expect((await t.http().post('/auth/refresh').send({ refreshToken })).body.error).toBe('csrf_check_failed');
      expect((await t.http().post('/auth/refresh').set('X-Requested-With', 'fetch').send({ refreshToken })).status).toBe(200);
    });
  });

  describe('extend mode: the token itself lives in a cookie', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ database, mode: 'extend', options: { cookie: { name: 'session', secure: false } } });
      await t.register('vic');
    });
    afterAll(() => t.close());

    it('authenticates reads from the cookie and demands the CSRF header on state changes', async () => {
      const login = await t.http().post('/auth/login').set('X-Requested-With', 'fetch').send({ username: 'vic', password: PASSWORD });
      expect(login.body.token).toBeUndefined();
      const setCookie = cookieOf(login);
      expect(setCookie).toMatch(/^session=ntk_at_[0-9A-Za-z]{50}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict$/);
      const cookie = setCookie.split(';')[0];
      expect((await t.http().get('/me').set('Cookie', `other=1; ${cookie}`)).body).toEqual({ id: expect.any(Number), username: 'vic' });
      expect((await t.http().get('/me')).status).toBe(401);
      const unsafe = await t.http().post('/auth/logout').set('Cookie', cookie);
      expect(unsafe.status).toBe(403);
      expect(unsafe.body.error).toBe('csrf_check_failed');
      const logout = await t.http().post('/auth/logout').set('Cookie', cookie).set('X-Requested-With', 'fetch');
      expect(logout.status).toBe(204);
      expect(cookieOf(logout)).toContain('session=; Max-Age=0; Path=/');
      expect((await t.http().get('/me').set('Cookie', cookie)).body.reason).toBe('revoked');
    });
  });
});
