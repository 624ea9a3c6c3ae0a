import { TokenAuthService } from '../../lib';
import { TokenCache } from '../../lib/token-cache';
import { admin, createTestDatabase, POSTGRES_URL, selectedDatabases, TestDatabase } from '../support/databases';
import { countQueries } from '../support/query-counter';
import { bearer, createTestApp, TestApp } from '../support/test-app';

// The default channel's bound for a silently dead listener: heartbeat every 1 s, 1 s to come back.
const BOUND_MS = 2000;
const postgres = selectedDatabases().filter((d) => d === 'postgres');
const each = <T>(rows: T[]) => (rows.length ? describe.each(rows) : (_name: string, _fn: (...args: any[]) => void) => undefined);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function cacheOf(t: TestApp): TokenCache {
  return t.app.get(TokenCache, { strict: false });
}

/** Polls until `done` holds, or fails after `ms`; returns the time it took. */
async function within(ms: number, done: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (!(await done())) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await sleep(5);
  }
  return Date.now() - start;
}

each(postgres)('token cache on %s with default settings (LISTEN/NOTIFY, no Redis)', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    a = await createTestApp({ database: db, mode: 'extend' });
    b = await createTestApp({ database: db, mode: 'extend' });
    b.clock.ms = a.clock.ms;
    await a.register('pia');
    await within(BOUND_MS, async () => cacheOf(a).active && cacheOf(b).active);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  const me = (t: TestApp, token: string) => t.http().get('/me').set('Authorization', bearer(token));

  it('is on by default and serves repeated requests without a query', async () => {
    const { token } = await a.login('pia');
    expect((await me(b, token)).status).toBe(200);
    const counter = countQueries(b.dataSource);
    try {
      for (let i = 0; i < 5; i++) expect((await me(b, token)).status).toBe(200);
      expect(counter.count).toBe(0);
    } finally {
      counter.restore();
    }
  });

  it('a logout on A is refused on B within the bound, although B had the token cached', async () => {
    const { token } = await a.login('pia');
    expect((await me(b, token)).status).toBe(200);
    expect((await a.http().post('/auth/logout').set('Authorization', bearer(token))).status).toBe(204);
    await within(BOUND_MS, async () => (await me(b, token)).status === 401);
    expect((await me(b, token)).body.reason).toBe('revoked');
  });

  it('revokeAllForUser on A drops the user and their tokens on B', async () => {
    const first = await a.login('pia');
    const second = await a.login('pia');
    for (const { token } of [first, second]) expect((await me(b, token)).status).toBe(200);
    const user = (await me(b, first.token)).body;
    await a.app.get(TokenAuthService).revokeAllForUser(String(user.id));
    for (const { token } of [first, second]) await within(BOUND_MS, async () => (await me(b, token)).status === 401);
  });

  it('when the listening connection is killed, the cache empties and stays off until the listener is back', async () => {
    const { token } = await a.login('pia');
    expect((await me(b, token)).status).toBe(200);
    const channel = cacheOf(b).channel as unknown as { applicationName: string };
    await admin({ type: 'postgres', url: POSTGRES_URL }, [`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${channel.applicationName}'`]);
    await within(BOUND_MS, async () => !cacheOf(b).active);
    // Off: every request reads the row again, and a revocation meanwhile is seen at once.
    const counter = countQueries(b.dataSource);
    try {
      expect((await me(b, token)).status).toBe(200);
      expect(counter.count).toBeGreaterThan(0);
    } finally {
      counter.restore();
    }
    await within(5000, async () => cacheOf(b).active);
    expect((await me(b, token)).status).toBe(200);
    const after = countQueries(b.dataSource);
    try {
      expect((await me(b, token)).status).toBe(200);
      expect(after.count).toBe(0);
    } finally {
      after.restore();
    }
    expect((await a.http().post('/auth/logout').set('Authorization', bearer(token))).status).toBe(204);
    await within(BOUND_MS, async () => (await me(b, token)).status === 401);
  });

  it('a row read before a revocation arrived is not cached after it', async () => {
    const { token } = await a.login('pia');
    const cache = cacheOf(b);
    const mark = cache.mark();
    expect((await a.http().post('/auth/logout').set('Authorization', bearer(token))).status).toBe(204);
    await within(BOUND_MS, async () => cache.mark() !== mark);
    // What a request that read the row before the logout would now try to cache:
    cache.set('stale-key', { familyId: 'x', userId: 'y' } as any, {}, mark);
    expect(cache.get('stale-key')).toBeUndefined();
  });
});

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
