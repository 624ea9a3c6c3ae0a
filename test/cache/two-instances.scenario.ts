import { TokenAuthService } from '../../lib';
import { TokenCache } from '../../lib/token-cache';
import { TestDatabase } from '../support/databases';
import { queriesDuring } from '../support/query-counter';
import { bearer, createTestApp, TestApp } from '../support/test-app';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function cacheOf(t: TestApp): TokenCache {
  return t.app.get(TokenCache, { strict: false });
}

/** Polls until `done` holds, or fails after `ms`; returns the time it took. */
export async function within(ms: number, done: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (!(await done())) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await sleep(5);
  }
  return Date.now() - start;
}

export const me = (t: TestApp, token: string) => t.http().get('/me').set('Authorization', bearer(token));

/** Two app instances on one database, each with the token cache as the defaults set it up. */
export interface TwoInstances {
  a: TestApp;
  b: TestApp;
}

/**
 * What a database's built-in invalidation channel must give with default settings: the cache on,
 * a revocation on A refused on B within `boundMs` although B had the token cached, and no stale row
 * cached after the change was seen. `more` adds the channel's own cases (it gets the instances).
 * `anyCommitEmpties`: the channel cannot tell which rows another instance changed (SQLite's
 * `data_version`), so any commit on A empties B's cache once B has seen it, within `boundMs`.
 */
export function builtInChannelScenario(
  title: string,
  database: () => Promise<TestDatabase> | TestDatabase,
  boundMs: number,
  more?: (apps: () => TwoInstances) => void,
  anyCommitEmpties = false,
): void {
  describe(title, () => {
    let db: TestDatabase;
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      db = await database();
      a = await createTestApp({ database: db, mode: 'extend' });
      b = await createTestApp({ database: db, mode: 'extend' });
      b.clock.ms = a.clock.ms;
      await a.register('pia');
      await within(boundMs, async () => cacheOf(a).active && cacheOf(b).active);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await db?.drop();
    });

    it('is on by default and serves repeated requests without a query, also after its own writes', async () => {
      const { token } = await a.login('pia');
      // A's login is a commit by another instance: where any commit empties B's cache, let B see it
      // first (within the bound), or it may empty the cache in the middle of the count below.
      if (anyCommitEmpties) await sleep(boundMs);
      expect((await me(b, token)).status).toBe(200);
      // B's own commit (a login) is evicted locally; it does not empty B's cache.
      await b.login('pia');
      const queries = await queriesDuring(b.dataSource, async () => {
        for (let i = 0; i < 5; i++) expect((await me(b, token)).status).toBe(200);
      });
      expect(queries).toBe(0);
    });

    it('a logout on A is refused on B within the bound, although B had the token cached', async () => {
      const { token } = await a.login('pia');
      expect((await me(b, token)).status).toBe(200);
      expect((await a.http().post('/auth/logout').set('Authorization', bearer(token))).status).toBe(204);
      await within(boundMs, async () => (await me(b, token)).status === 401);
      expect((await me(b, token)).body.reason).toBe('revoked');
    });

    it('revokeAllForUser on A drops the user and their tokens on B', async () => {
      const first = await a.login('pia');
      const second = await a.login('pia');
      for (const { token } of [first, second]) expect((await me(b, token)).status).toBe(200);
      const user = (await me(b, first.token)).body;
      await a.app.get(TokenAuthService).revokeAllForUser(String(user.id));
      for (const { token } of [first, second]) await within(boundMs, async () => (await me(b, token)).status === 401);
    });

    it('a row read before a revocation arrived is not cached after it', async () => {
      const { token } = await a.login('pia');
      const cache = cacheOf(b);
      const mark = cache.mark();
      expect((await a.http().post('/auth/logout').set('Authorization', bearer(token))).status).toBe(204);
      await within(boundMs, async () => cache.mark() !== mark);
      // What a request that read the row before the logout would now try to cache:
      cache.set('stale-key', { familyId: 'x', userId: 'y' } as any, {}, mark);
      expect(cache.get('stale-key')).toBeUndefined();
    });

    more?.(() => ({ a, b }));
  });
}
