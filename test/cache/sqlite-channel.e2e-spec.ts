import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { TestDatabase } from '../support/databases';
import { bearer, createTestApp } from '../support/test-app';
import { builtInChannelScenario, cacheOf, me, sleep, within } from './two-instances.scenario';

// The SQLite channel reads PRAGMA data_version every 250 ms; the bound leaves room for a loaded machine.
const BOUND_MS = 1000;

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
builtInChannelScenario('token cache on a SQLite file with default settings (PRAGMA data_version, no Redis)', sqliteFile, BOUND_MS, (apps) => {
  it('under load on B, 100 revocations on A: none is accepted on B later than the bound after its commit', async () => {
    const { a, b } = apps();
    const tokens: string[] = [];
    for (let i = 0; i < 100; i++) tokens.push((await a.login('pia')).token);
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
}, true);

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
