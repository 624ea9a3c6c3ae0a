import { TokenPurgeService } from '../../lib';
import { selectedDatabases } from '../support/databases';
import { countQueries } from '../support/query-counter';
import { bearer, createTestApp, TestApp } from '../support/test-app';
import { buildPurgeScenario, KEEP_REVOKED, PURGE_OPTIONS, PurgeScenario, rowsLeft } from './scenario';

describe.each(selectedDatabases())('TokenPurgeService on %s', (database) => {
  let t: TestApp;
  let purger: TokenPurgeService;
  let scenario: PurgeScenario;
  const refresh = (refreshToken: string) => t.http().post('/auth/refresh').send({ refreshToken });

  beforeAll(async () => {
    t = await createTestApp({ database, mode: 'rotate', options: PURGE_OPTIONS });
    // Built as the module's provider would build it: the app's DataSource, table and clock.
    purger = t.app.get(TokenPurgeService);
    await t.register('pia');
    scenario = await buildPurgeScenario(t, 'pia');
  });
  afterAll(() => t.close());

  it('a dry run counts per rule and deletes nothing', async () => {
    const before = await rowsLeft(t, 'auth_tokens');
    expect(await purger.purge({ revokedOlderThan: KEEP_REVOKED, dryRun: true })).toMatchObject(scenario.expected);
    expect(await rowsLeft(t, 'auth_tokens')).toEqual(before);
  });

  it('deletes expired, long-revoked and dead-family spent rows in batches of batchSize', async () => {
    const counter = countQueries(t.dataSource);
    try {
      expect(await purger.purge({ revokedOlderThan: KEEP_REVOKED, batchSize: 3 })).toMatchObject(scenario.expected);
      const deletes = counter.queries.filter((q) => /^\s*DELETE/i.test(q));
      // expired 10 rows in 3+3+3+1, revoked 1, spent 1.
      expect(deletes).toHaveLength(6);
    } finally {
      counter.restore();
    }
    expect(await rowsLeft(t, 'auth_tokens')).toEqual({ total: scenario.remaining, spent: 3, revoked: 2 });
    expect(await purger.purge({ revokedOlderThan: KEEP_REVOKED })).toMatchObject({ expired: 0, revoked: 0, spent: 0 });
  });

  it('leaves live sessions working and answers a deleted refresh token as unknown', async () => {
    expect((await t.http().get('/me').set('Authorization', bearer(scenario.live.token))).status).toBe(200);
    expect((await refresh(scenario.ended.refreshToken)).body).toMatchObject({ error: 'invalid_grant', reason: 'unknown' });
  });

  it('still detects reuse of a spent refresh token of a live family, even one past its own expiry', async () => {
    const replay = await refresh(scenario.longLived.spentRefresh);
    expect(replay.body).toMatchObject({ error: 'invalid_grant', reason: 'reused' });
    expect((await refresh(scenario.longLived.refreshToken)).body.reason).toBe('revoked');
    expect((await refresh(scenario.live.spentRefresh)).body.reason).toBe('reused');
    expect((await t.http().get('/me').set('Authorization', bearer(scenario.live.token))).body.reason).toBe('revoked');
  });

  it('keeps the revoked rows of a reuse-detected family for revokedOlderThan, then deletes them', async () => {
    expect(await purger.purge({ revokedOlderThan: KEEP_REVOKED })).toMatchObject({ expired: 0, revoked: 0, spent: 0 });
    t.clock.advance(KEEP_REVOKED + 1);
    // Unspent rows now past their expiry go as expired (3); spent ones and the still-unexpired go as revoked (5).
    expect(await purger.purge({ revokedOlderThan: KEEP_REVOKED })).toMatchObject({ expired: 3, revoked: 5, spent: 0 });
    expect((await rowsLeft(t, 'auth_tokens')).total).toBe(0);
  });

  it('runs batch by batch alongside logins and refreshes without disturbing them', async () => {
    for (let i = 0; i < 5; i++) await t.login('pia');
    t.clock.advance(PURGE_OPTIONS.refreshTtl);
    const sessions = await Promise.all(Array.from({ length: 10 }, () => t.login('pia')));
    const [result, ...refreshed] = await Promise.all([purger.purge({ batchSize: 1 }), ...sessions.map((s) => refresh(s.refreshToken!))]);
    expect(result).toMatchObject({ expired: 10, revoked: 0, spent: 0 });
    expect(refreshed.map((r) => r.status)).toEqual(sessions.map(() => 200));
    expect(await rowsLeft(t, 'auth_tokens')).toEqual({ total: 40, spent: 10, revoked: 0 });
  });

  it('wipes the successor seals of rotations older than sealGrace (the backstop for a stopped instance), and only those', async () => {
    const seals = async () => Number((await t.dataSource.query('SELECT COUNT(*) AS n FROM auth_tokens WHERE successor_seal IS NOT NULL'))[0].n);
    const login = await t.login('pia');
    expect((await refresh(login.refreshToken!)).status).toBe(200);
    const before = await seals();
    expect(before).toBeGreaterThan(0);
    expect(await purger.purge({ sealGrace: 30, dryRun: true })).toMatchObject({ seals: 0 });
    expect((await purger.purge({ sealGrace: 30 })).seals).toBe(0);
    expect(await seals()).toBe(before);
    t.clock.advance(31);
    expect(await purger.purge({ sealGrace: 30, dryRun: true })).toMatchObject({ seals: before });
    expect((await purger.purge({ sealGrace: 30 })).seals).toBe(before);
    expect(await seals()).toBe(0);
  });

  it.each([
    [{ batchSize: 0 }, /batchSize must be an integer from 1 to 10000/],
    [{ sealGrace: -1 }, /sealGrace must be a non-negative number of seconds/],
    [{ revokedOlderThan: -1 }, /revokedOlderThan must be a non-negative number of seconds/],
  ])('refuses %j with a message naming the option', async (options, message) => {
    await expect(purger.purge(options)).rejects.toThrow(message);
  });
});

describe.each(selectedDatabases())('TokenPurgeService in extend mode on %s', (database) => {
  it('judges a sliding token by its extended expiry', async () => {
    const t = await createTestApp({ database, mode: 'extend', options: { ttl: 600 } });
    try {
      const purger = t.app.get(TokenPurgeService);
      const me = (token: string) => t.http().get('/me').set('Authorization', bearer(token));
      await t.register('ed');
      const [idle, used, loggedOut] = [await t.login('ed'), await t.login('ed'), await t.login('ed')];
      await t.http().post('/auth/logout').set('Authorization', bearer(loggedOut.token));
      t.clock.advance(500);
      expect((await me(used.token)).status).toBe(200);
      t.clock.advance(200);
      expect(await purger.purge()).toMatchObject({ expired: 2, revoked: 0, spent: 0 });
      expect((await me(used.token)).status).toBe(200);
      expect((await me(idle.token)).body.reason).toBe('unknown');
    } finally {
      await t.close();
    }
  });
});
