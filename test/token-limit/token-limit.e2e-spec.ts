import { selectedDatabases } from '../support/databases';
import { bearer, createTestApp, MODES, PASSWORD, TestApp } from '../support/test-app';

describe.each(selectedDatabases())('tokenLimitPerUser on %s', (database) => {
  describe.each(MODES)('%s mode', (mode) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ database, mode, options: { tokenLimitPerUser: 2, ttl: 600 } });
      await t.register('ivy');
      await t.register('jack');
    });
    afterAll(() => t.close());

    it('refuses a login over the limit with 403, counting only live sessions', async () => {
      const first = await t.login('ivy');
      await t.login('ivy');
      const over = await t.http().post('/auth/login').send({ username: 'ivy', password: PASSWORD });
      expect(over.status).toBe(403);
      expect(over.body.error).toBe('token_limit_exceeded');
      expect(over.body.message).toMatch(/2/);
      // Another user is not affected.
      await t.login('jack');
      // A revoked session frees a place.
      await t.http().post('/auth/logout').set('Authorization', bearer(first.token));
      await t.login('ivy');
      // Expired sessions free every place.
      t.clock.advance(mode === 'rotate' ? 31 * 86400 : 601);
      await t.login('ivy');
      await t.login('ivy');
    });

    it('never lets concurrent logins exceed the limit', async () => {
      await t.register('kim');
      const statuses = (await Promise.all(Array.from({ length: 10 }, () => t.http().post('/auth/login').send({ username: 'kim', password: PASSWORD })))).map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(2);
      expect(statuses.filter((s) => s === 403)).toHaveLength(8);
    });
  });
});
