import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { TokenAuthService } from '../../lib';
import { TokenCache } from '../../lib/token-cache';
import { TestDatabase } from '../support/databases';
import { countQueries } from '../support/query-counter';
import { bearer, createTestApp, TestApp } from '../support/test-app';

// The SQLite channel reads PRAGMA data_version every 250 ms; the bound leaves room for a loaded machine.
const BOUND_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function cacheOf(t: TestApp): TokenCache {
  return t.app.get(TokenCache, { strict: false });
}

/** Polls until `done` holds, or fails after `ms`. */
async function within(ms: number, done: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (!(await done())) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await sleep(5);
  }
  return Date.now() - start;
}

/** A SQLite file two app instances share (each opens its own connection, as two processes would). */
function sqliteFile(): TestDatabase {
  const file = `/tmp/nta-sqlite-channel-${process.pid}-${randomBytes(3).toString('hex')}.sqlite`;
  return {
    name: 'sqlite',
    options: { type: 'better-sqlite3', database: file, enableWAL: true } as TestDatabase['options'],
    drop: async () => ['', '-wal', '-shm'].forEach((suffix) => rmSync(file + suffix, { force: true })),
  };
}

// SQLite needs no service, so this runs in every selection.
describe('token cache on a SQLite file with default settings (PRAGMA data_version, no Redis)', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    db = sqliteFile();
    a = await createTestApp({ database: db, mode: 'extend' });
    b = await createTestApp({ database: db, mode: 'extend' });
    b.clock.ms = a.clock.ms;
    await a.register('sid');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  const me = (t: TestApp, token: string) => t.http().get('/me').set('Authorization', bearer(token));

  it('is on by default and serves repeated requests without a query, also after its own writes', async () => {
    const { token } = await a.login('sid');
    expect((await me(b, token)).status).toBe(200);
    // B's own commit (a login) does not move B's data_version: its cache stays.
    await b.login('sid');
    const counter = countQueries(b.dataSource);
    try {
      for (let i = 0; i < 5; i++) expect((await me(b, token)).status).toBe(200);
      expect(counter.count).toBe(0);
    } finally {
      counter.restore();
    }
  });

  it('a logout on A is refused on B within the bound, although B had the token cached', async () => {
    const { token } = await a.login('sid');
    expect((await me(b, token)).status).toBe(200);
    expect((await a.http().post('/auth/logout').set('Authorization', bearer(token))).status).toBe(204);
    await within(BOUND_MS, async () => (await me(b, token)).status === 401);
    expect((await me(b, token)).body.reason).toBe('revoked');
  });

  it('revokeAllForUser on A drops the tokens on B', async () => {
    const first = await a.login('sid');
    const second = await a.login('sid');
    for (const { token } of [first, second]) expect((await me(b, token)).status).toBe(200);
    const user = (await me(b, first.token)).body;
    await a.app.get(TokenAuthService).revokeAllForUser(String(user.id));
    for (const { token } of [first, second]) await within(BOUND_MS, async () => (await me(b, token)).status === 401);
  });

  it('under load on B, 100 revocations on A: none is accepted on B later than the bound after its commit', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 100; i++) tokens.push((await a.login('sid')).token);
    for (const token of tokens) expect((await me(b, token)).status).toBe(200);
    const committed = new Array<number>(tokens.length).fill(Infinity);
    const late: string[] = [];
    let running = true;
    const loaders = Array.from({ length: 4 }, async () => {
      while (running) {
        const index = Math.floor(Math.random() * tokens.length);
        const started = Date.now();
        const { status } = await me(b, tokens[index]);
        if (status === 200 && started > committed[index] + BOUND_MS) late.push(`token ${index}: accepted ${started - committed[index]} ms after its revocation`);
        if (status !== 200 && status !== 401) late.push(`token ${index}: status ${status}`);
      }
    });
    for (const [index, token] of tokens.entries()) {
      expect((await a.http().post('/auth/logout').set('Authorization', bearer(token))).status).toBe(204);
      committed[index] = Date.now();
    }
    await sleep(BOUND_MS);
    running = false;
    await Promise.all(loaders);
    expect(late).toEqual([]);
    for (const token of tokens.slice(-5)) expect((await me(b, token)).body.reason).toBe('revoked');
  });

  it('a row read before another process committed is not cached after the change was seen', async () => {
    const { token } = await a.login('sid');
    const cache = cacheOf(b);
    const mark = cache.mark();
    expect((await a.http().post('/auth/logout').set('Authorization', bearer(token))).status).toBe(204);
    await within(BOUND_MS, async () => cache.mark() !== mark);
    cache.set('stale-key', { familyId: 'x', userId: 'y' } as any, {}, mark);
    expect(cache.get('stale-key')).toBeUndefined();
  });
});

describe('token cache on a SQLite file whose connection is gone', () => {
  it('empties the cache and turns it off', async () => {
    const db = sqliteFile();
    const t = await createTestApp({ database: db, mode: 'extend' });
    try {
      await t.register('sol');
      const { token } = await t.login('sol');
      expect((await t.http().get('/me').set('Authorization', bearer(token))).status).toBe(200);
      const cache = cacheOf(t);
      expect(cache.active).toBe(true);
      (t.dataSource.driver as any).databaseConnection.close();
      await within(BOUND_MS, async () => !cache.active);
      expect(cache.get(token.slice(7, 19))).toBeUndefined();
    } finally {
      await t.close().catch(() => undefined);
      await db.drop();
    }
  });
});
