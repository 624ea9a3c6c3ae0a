import { TokenCache } from '../../lib/token-cache';
import { admin, createTestDatabase, POSTGRES_URL, selectedDatabases } from '../support/databases';
import { countQueries, queriesDuring } from '../support/query-counter';
import { bearer, createTestApp, TestApp } from '../support/test-app';
import { builtInChannelScenario, cacheOf, me, within } from './two-instances.scenario';

// The default channel's bound for a silently dead listener: heartbeat every 1 s, 1 s to come back.
const BOUND_MS = 2000;
const postgres = selectedDatabases().filter((d) => d === 'postgres');
const each = <T>(rows: T[]) => (rows.length ? describe.each(rows) : (_name: string, _fn: (...args: any[]) => void) => undefined);

if (postgres.length) {
  builtInChannelScenario('token cache on postgres with default settings (LISTEN/NOTIFY, no Redis)', () => createTestDatabase('postgres'), BOUND_MS, (apps) => {
    it('when the listening connection is killed, the cache empties and stays off until the listener is back', async () => {
      const { a, b } = apps();
      const { token } = await a.login('pia');
      expect((await me(b, token)).status).toBe(200);
      const channel = cacheOf(b).channel as unknown as { applicationName: string };
      await admin({ type: 'postgres', url: POSTGRES_URL }, [`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${channel.applicationName}'`]);
      await within(BOUND_MS, async () => !cacheOf(b).active);
      // Off: every request reads the row again, and a revocation meanwhile is seen at once.
      expect(await queriesDuring(b.dataSource, async () => expect((await me(b, token)).status).toBe(200))).toBeGreaterThan(0);
      await within(5000, async () => cacheOf(b).active);
      expect((await me(b, token)).status).toBe(200);
      expect(await queriesDuring(b.dataSource, async () => expect((await me(b, token)).status).toBe(200))).toBe(0);
      expect((await a.http().post('/auth/logout').set('Authorization', bearer(token))).status).toBe(204);
      await within(BOUND_MS, async () => (await me(b, token)).status === 401);
    });
  });
}

each(postgres)('token cache on %s switched off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ database: 'postgres', mode: 'extend', options: { cache: false } });
    await t.register('quin');
  });
  afterAll(() => t?.close());

  it('reads the row on every request with cache: false', async () => {
    const { token } = await t.login('quin');
    const counter = countQueries(t.dataSource);
    try {
      for (let i = 0; i < 3; i++) expect((await t.http().get('/me').set('Authorization', bearer(token))).status).toBe(200);
      expect(counter.count).toBeGreaterThanOrEqual(3);
    } finally {
      counter.restore();
    }
  });
});

describe.each(selectedDatabases())('the default cache decision on %s', (database) => {
  let t: TestApp;
  afterEach(() => t?.close());

  it('turns the cache on only where revocations reach every instance at once', async () => {
    t = await createTestApp({ database, mode: 'extend' });
    const cache = t.app.get(TokenCache, { strict: false });
    // PostgreSQL: its own channel; in-memory SQLite: one process; MariaDB without a channel: off.
    if (database === 'mariadb') expect(cache).toBeNull();
    else expect(cache).toBeInstanceOf(TokenCache);
  });
});
