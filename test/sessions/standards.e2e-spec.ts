import { selectedDatabases } from '../support/databases';
import { bearer, createTestApp, MODES, PASSWORD, ScopedTestUsers, TestApp } from '../support/test-app';

describe.each(selectedDatabases())('scopes, RFC 7009 revocation and RFC 7662 introspection on %s', (database) => {
  describe.each(MODES)('%s mode', (mode) => {
    let t: TestApp;
    const introspectionKey = 'Bearer introspection-caller-key';
    beforeAll(async () => {
      t = await createTestApp({
        database,
        mode,
        options: { users: ScopedTestUsers, introspection: { authorize: (request: any) => request.headers.authorization === introspectionKey } },
      });
      await t.register('admin-sue');
      await t.register('tom');
    });
    afterAll(() => t.close());

    it('grants requested scopes the user may have, reports them, and preserves them across rotation', async () => {
      const all = await t.login('admin-sue');
      expect(all.scope).toBe('notes:read notes:write admin');
      const narrowed = (await t.http().post('/auth/login').send({ username: 'tom', password: PASSWORD, scope: 'notes:read admin' })).body;
      expect(narrowed.scope).toBe('notes:read');
      expect((await t.http().get('/auth/token').set('Authorization', bearer(narrowed.token))).body.scopes).toEqual(['notes:read']);
      if (mode === 'rotate') {
        const next = (await t.http().post('/auth/refresh').send({ refreshToken: narrowed.refreshToken })).body;
        expect(next.scope).toBe('notes:read');
        const again = (await t.http().post('/auth/refresh').send({ refreshToken: narrowed.refreshToken })).body;
        expect(again.scope).toBe('notes:read');
      }
    });

    it('@RequireScopes answers 403 insufficient_scope with the RFC 6750 challenge when a scope is missing', async () => {
      const plain = await t.login('tom');
      const refused = await t.http().get('/admin').set('Authorization', bearer(plain.token));
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ error: 'insufficient_scope', scope: 'admin' });
      expect(refused.headers['www-authenticate']).toBe('Bearer realm="api", error="insufficient_scope", error_description="This route requires the scope(s): admin.", scope="admin"');
      const admin = await t.login('admin-sue');
      expect((await t.http().get('/admin').set('Authorization', bearer(admin.token))).status).toBe(200);
      expect((await t.http().get('/admin')).status).toBe(401);
    });

    it('RFC 7009: revokes the session of an access or refresh token, and answers 200 for unknown tokens', async () => {
      const login = await t.login('tom');
      const victim = mode === 'rotate' ? login.refreshToken! : login.token;
      const response = await t.http().post('/auth/revoke').type('form').send({ token: victim, token_type_hint: mode === 'rotate' ? 'refresh_token' : 'access_token' });
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect((await t.http().get('/me').set('Authorization', bearer(login.token))).body.reason).toBe('revoked');
      expect((await t.http().post('/auth/revoke').send({ token: 'garbage' })).status).toBe(200);
      expect((await t.http().post('/auth/revoke').send({ token: login.token.slice(0, -1) + 'x' })).status).toBe(200);
      expect((await t.http().post('/auth/revoke').send({})).body).toMatchObject({ error: 'invalid_request', field: 'token' });
    });

    it('RFC 7662: describes live tokens to authorised callers only, without using them', async () => {
      const login = await t.login('admin-sue');
      const ask = (token: string, auth = introspectionKey) => t.http().post('/auth/introspect').set('Authorization', auth).send({ token });
      const live = await ask(login.token);
      expect(live.status).toBe(200);
      expect(live.body).toEqual({
        active: true,
        scope: 'notes:read notes:write admin',
        sub: String(login.user.id),
        exp: Math.floor(Date.parse(login.expiry!) / 1000),
        iat: Math.floor(t.clock.now() / 1000),
        token_type: 'access_token',
        sid: expect.any(String),
      });
      if (mode === 'rotate') expect((await ask(login.refreshToken!)).body).toMatchObject({ active: true, token_type: 'refresh_token' });
      expect((await ask('garbage')).body).toEqual({ active: false });
      const refused = await ask(login.token, 'Bearer someone-else');
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toBe('Bearer realm="api"');
      await t.http().post('/auth/logout').set('Authorization', bearer(login.token));
      expect((await ask(login.token)).body).toEqual({ active: false });
    });
  });

  it('keeps introspection off unless enabled', async () => {
    const t = await createTestApp({ database, mode: 'extend' });
    try {
      expect((await t.http().post('/auth/introspect').send({ token: 'x' })).status).toBe(404);
    } finally {
      await t.close();
    }
  });
});
