import { selectedDatabases } from '../support/databases';
import { ADAPTERS, bearer, createTestApp, MODES, PASSWORD, TestApp } from '../support/test-app';

const INVALID_TOKEN = /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/;

describe.each(ADAPTERS)('HTTP contract on %s', (adapter) => {
  describe.each(selectedDatabases())('on %s', (database) => {
    describe.each(MODES)('%s mode', (mode) => {
      let t: TestApp;

      beforeAll(async () => {
        t = await createTestApp({ database, mode, adapter });
        await t.register('alice');
        await t.register('bob');
      });
      afterAll(() => t.close());

      it('logs in with the mode\'s response shape, no-store, and the token works', async () => {
        const response = await t.http().post('/auth/login').send({ username: 'alice', password: PASSWORD });
        expect(response.status).toBe(200);
        expect(response.headers['cache-control']).toBe('no-store');
        expect(response.body.user).toEqual({ id: expect.any(Number), username: 'alice' });
        expect(response.body.token).toMatch(/^ntk_at_[0-9A-Za-z]{50}$/);
        expect(new Date(response.body.expiry).toISOString()).toBe(response.body.expiry);
        if (mode === 'rotate') {
          expect(response.body.refreshToken).toMatch(/^ntk_rt_[0-9A-Za-z]{50}$/);
          expect(Date.parse(response.body.refreshExpiry)).toBeGreaterThan(Date.parse(response.body.expiry));
        } else {
          expect(response.body).not.toHaveProperty('refreshToken');
        }
        const me = await t.http().get('/me').set('Authorization', bearer(response.body.token));
        expect(me.status).toBe(200);
        expect(me.body).toEqual({ id: response.body.user.id, username: 'alice' });
        expect(me.headers['x-token-expiry']).toBe(response.body.expiry);
      });

      it('accepts the Token scheme and any scheme case', async () => {
        const { token } = await t.login('alice');
        for (const header of [`Token ${token}`, `bearer ${token}`, `BEARER   ${token}  `]) {
          expect((await t.http().get('/me').set('Authorization', header)).status).toBe(200);
        }
      });

      it('gives several logins distinct working tokens', async () => {
        const logins = await Promise.all([t.login('alice'), t.login('alice'), t.login('alice')]);
        expect(new Set(logins.map((l) => l.token)).size).toBe(3);
        for (const { token } of logins) expect((await t.http().get('/me').set('Authorization', bearer(token))).status).toBe(200);
      });

      it('answers 401 without an error code when no credentials are sent', async () => {
        for (const headers of [{}, { Authorization: 'Basic YWxpY2U6cHc=' }]) {
          const response = await t.http().get('/me').set(headers);
          expect(response.status).toBe(401);
          expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
          expect(response.body.error).toBe('unauthorized');
        }
      });

      it.each([
        ['garbage', 'Bearer not-a-token', 'malformed'],
        ['an empty token', 'Bearer ', 'malformed'],
        ['two tokens', 'Bearer a b', 'malformed'],
        ['a bad checksum', `Bearer ntk_at_${'A'.repeat(50)}`, 'malformed'],
      ])('refuses %s as malformed with invalid_token', async (_label, header, reason) => {
        const response = await t.http().get('/me').set('Authorization', header);
        expect(response.status).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(INVALID_TOKEN);
        expect(response.body).toMatchObject({ error: 'invalid_token', reason });
      });

      // Passport keeps one strategy per name per process, the last app started: this test must run
      // before any test of this block starts another app (the next one does).
      it('applies the same rules through the Passport strategy (AuthGuard(TOKEN_AUTH_STRATEGY))', async () => {
        const { token } = await t.login('alice');
        const ok = await t.http().get('/me/passport').set('Authorization', bearer(token));
        expect(ok.status).toBe(200);
        expect(ok.body.username).toBe('alice');
        const forged = await t.http().get('/me/passport').set('Authorization', `Bearer ntk_at_${'A'.repeat(50)}`);
        expect(forged.status).toBe(401);
        expect(forged.headers['www-authenticate']).toMatch(INVALID_TOKEN);
        expect(forged.body).toMatchObject({ error: 'invalid_token', reason: 'malformed' });
        // No credentials: Passport answers with its own plain 401 (TokenAuthGuard adds the challenge).
        expect((await t.http().get('/me/passport')).status).toBe(401);
        await t.http().post('/auth/logout').set('Authorization', bearer(token)).expect(204);
        const revoked = await t.http().get('/me/passport').set('Authorization', bearer(token));
        expect(revoked.status).toBe(401);
        expect(revoked.body).toMatchObject({ error: 'invalid_token', reason: 'revoked' });
        expect(revoked.headers['www-authenticate']).toMatch(INVALID_TOKEN);
      });

      it('refuses an unknown token of the right shape as unknown', async () => {
        const { token } = await t.login('alice');
        // Same shape and valid checksum, never issued by this server: mint with another module instance's format.
        const other = await createTestApp({ database: 'sqlite', mode, adapter, options: { secrets: 'Tz4Gm8Kq1Vh6Rb3Xn9Lw0Fs5Yc2Jp7Da+other' } });
        try {
          await other.register('alice');
          const foreign = await other.login('alice');
          const response = await t.http().get('/me').set('Authorization', bearer(foreign.token));
          expect(response.status).toBe(401);
          expect(response.body).toMatchObject({ error: 'invalid_token', reason: 'unknown' });
          expect(response.headers['www-authenticate']).toMatch(INVALID_TOKEN);
        } finally {
          await other.close();
        }
        expect((await t.http().get('/me').set('Authorization', bearer(token))).status).toBe(200);
      });

      it('refuses an expired token as expired', async () => {
        const { token } = await t.login('alice');
        t.clock.advance(mode === 'rotate' ? 15 * 60 : 10 * 3600);
        const response = await t.http().get('/me').set('Authorization', bearer(token));
        expect(response.status).toBe(401);
        expect(response.body).toMatchObject({ error: 'invalid_token', reason: 'expired' });
        expect(response.headers['www-authenticate']).toMatch(/error="invalid_token"/);
      });

      it('logout revokes the presented token only', async () => {
        const one = await t.login('alice');
        const two = await t.login('alice');
        const out = await t.http().post('/auth/logout').set('Authorization', bearer(one.token));
        expect(out.status).toBe(204);
        const refused = await t.http().get('/me').set('Authorization', bearer(one.token));
        expect(refused.status).toBe(401);
        expect(refused.body.reason).toBe('revoked');
        expect((await t.http().get('/me').set('Authorization', bearer(two.token))).status).toBe(200);
      });

      it("logout-all revokes every token of the user and none of another user's", async () => {
        const a1 = await t.login('alice');
        const a2 = await t.login('alice');
        const b1 = await t.login('bob');
        expect((await t.http().post('/auth/logout-all').set('Authorization', bearer(a1.token))).status).toBe(204);
        for (const { token } of [a1, a2]) expect((await t.http().get('/me').set('Authorization', bearer(token))).body.reason).toBe('revoked');
        expect((await t.http().get('/me').set('Authorization', bearer(b1.token))).status).toBe(200);
      });

      it('logout-others keeps only the current session', async () => {
        const keep = await t.login('bob');
        const other = await t.login('bob');
        expect((await t.http().post('/auth/logout-others').set('Authorization', bearer(keep.token))).status).toBe(204);
        expect((await t.http().get('/me').set('Authorization', bearer(other.token))).status).toBe(401);
        expect((await t.http().get('/me').set('Authorization', bearer(keep.token))).status).toBe(200);
      });

      it('shows the presented token and lists live sessions with current marked', async () => {
        await t.http().post('/auth/logout-all').set('Authorization', bearer((await t.login('alice')).token));
        const first = await t.login('alice', { name: 'laptop' });
        t.clock.advance(1);
        const second = await t.login('alice', { name: 'phone' });
        const details = await t.http().get('/auth/token').set('Authorization', bearer(first.token)).set('User-Agent', 'jest');
        expect(details.status).toBe(200);
        expect(details.headers['cache-control']).toBe('no-store');
        expect(details.body).toMatchObject({ id: expect.any(String), name: 'laptop', kind: 'access', expiry: first.expiry });
        const list = await t.http().get('/auth/tokens').set('Authorization', bearer(second.token));
        expect(list.status).toBe(200);
        expect(list.body.map((s: any) => [s.name, s.current])).toEqual([['phone', true], ['laptop', false]]);
        expect(list.body[1]).toMatchObject({ id: details.body.id, createdAt: expect.any(String), ip: expect.any(String) });
        expect(list.body[1].lastUsedAt).not.toBeNull();
      });

      it('revokes one session by id and answers 404 for an id that is not the user\'s', async () => {
        const mine = await t.login('alice');
        const theirs = await t.login('bob');
        const theirId = (await t.http().get('/auth/token').set('Authorization', bearer(theirs.token))).body.id;
        const myId = (await t.http().get('/auth/token').set('Authorization', bearer(mine.token))).body.id;
        const other = await t.login('alice');
        const notMine = await t.http().delete(`/auth/tokens/${theirId}`).set('Authorization', bearer(other.token));
        expect(notMine.status).toBe(404);
        expect((await t.http().get('/me').set('Authorization', bearer(theirs.token))).status).toBe(200);
        expect((await t.http().delete('/auth/tokens/no-such-id').set('Authorization', bearer(other.token))).status).toBe(404);
        expect((await t.http().delete(`/auth/tokens/${myId}`).set('Authorization', bearer(other.token))).status).toBe(204);
        expect((await t.http().get('/me').set('Authorization', bearer(mine.token))).status).toBe(401);
      });

      it('answers 401 for wrong credentials and 400 naming the field for a malformed body', async () => {
        const wrong = await t.http().post('/auth/login').send({ username: 'alice', password: 'nope' });
        expect(wrong.status).toBe(401);
        expect(wrong.body.error).toBe('invalid_credentials');
        expect(wrong.headers['www-authenticate']).toBe('Bearer realm="api"');
        const cases: Array<[unknown, string]> = [
          [{ password: PASSWORD }, 'username'],
          [{ username: 'alice' }, 'password'],
          [{ username: 42, password: PASSWORD }, 'username'],
          [{ username: 'alice', password: PASSWORD, name: 7 }, 'name'],
          [{ username: 'alice', password: PASSWORD, admin: true }, 'admin'],
          [{ username: 'x'.repeat(10_000), password: PASSWORD }, 'username'],
          [[1, 2], 'body'],
        ];
        for (const [body, field] of cases) {
          const response = await t.http().post('/auth/login').send(body as object);
          expect([response.status, response.body.field]).toEqual([400, field]);
          expect(response.body.error).toBe('invalid_request');
        }
      });

      it('answers 404 for the route of the other mode, before authentication', async () => {
        const route = mode === 'rotate' ? '/auth/extend' : '/auth/refresh';
        const response = await t.http().post(route).send({});
        expect(response.status).toBe(404);
        expect(response.body.message).toContain(`not available in ${mode} mode`);
      });
    });
  });
});
