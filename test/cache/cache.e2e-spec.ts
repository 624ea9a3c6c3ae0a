import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { redisCacheInvalidation, TokenAuthService } from '../../lib';
import { crc32 } from 'node:zlib';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { countQueries } from '../support/query-counter';
import { connectRedis, describeWithRedis } from '../support/redis';
import { bearer, createTestApp, MODES, TestApp } from '../support/test-app';

const CACHE_TTL = 5;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The same prefix and key id with another secret and a valid checksum (what an attacker who saw a key id could send). */
function forgeSameKeyId(token: string): string {
  const unsigned = token.slice(0, 19) + 'Z'.repeat(32);
  let value = crc32(unsigned);
  let sum = '';
  for (let i = 0; i < 6; i++) {
    sum = BASE62[value % 62] + sum;
    value = Math.floor(value / 62);
  }
  return unsigned + sum;
}

/** A database two app instances can share (SQLite: a file, since :memory: is private to one connection). */
async function sharedDatabase(name: ReturnType<typeof selectedDatabases>[number]): Promise<TestDatabase> {
  if (name !== 'sqlite') return createTestDatabase(name);
  const file = `/tmp/nta-cache-${process.pid}-${randomBytes(3).toString('hex')}.sqlite`;
  return { name, options: { type: 'better-sqlite3', database: file }, drop: async () => rmSync(file, { force: true }) };
}

describe.each(selectedDatabases())('token cache on %s', (database) => {
  describe.each(MODES)('%s mode, one instance', (mode) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ database, mode, options: { cache: { ttl: CACHE_TTL } } });
      await t.register('zoe');
    });
    afterAll(() => t.close());

    it('serves repeated requests without queries, still checks the secret, and drops revoked tokens at once', async () => {
      const { token } = await t.login('zoe');
      expect((await t.http().get('/me').set('Authorization', bearer(token))).status).toBe(200);
      const counter = countQueries(t.dataSource);
      try {
        for (let i = 0; i < 5; i++) expect((await t.http().get('/me').set('Authorization', bearer(token))).status).toBe(200);
        expect(counter.count).toBe(0);
        // A cached key id with a wrong secret is refused: the digest is checked on every hit.
        const forged = await t.app.get(TokenAuthService).authenticate(forgeSameKeyId(token)).catch((error) => error);
        expect(forged.reason).toBe('unknown');
      } finally {
        counter.restore();
      }
      expect((await t.http().post('/auth/logout').set('Authorization', bearer(token))).status).toBe(204);
      expect((await t.http().get('/me').set('Authorization', bearer(token))).body.reason).toBe('revoked');
    });

    it('still expires cached tokens on time', async () => {
      const { token } = await t.login('zoe');
      await t.http().get('/me').set('Authorization', bearer(token));
      t.clock.advance(mode === 'rotate' ? 900 : 36000);
      expect((await t.http().get('/me').set('Authorization', bearer(token))).body.reason).toBe('expired');
    });
  });

  describe('two instances sharing the database', () => {
    let db: TestDatabase;
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      db = await sharedDatabase(database);
    });
    afterAll(async () => {
      await db.drop();
    });
    afterEach(async () => {
      await a?.close();
      await b?.close();
    });

    // PostgreSQL and a SQLite file always have a channel (LISTEN/NOTIFY, data_version): postgres-channel
    // and sqlite-channel.e2e-spec.ts cover them.
    const withoutChannel = database === 'mariadb' ? it : () => undefined;
    withoutChannel('without an invalidation channel, another instance may serve a revoked token for at most the cache ttl', async () => {
      a = await createTestApp({ database: db, mode: 'extend', options: { cache: { ttl: CACHE_TTL } } });
      b = await createTestApp({ database: db, mode: 'extend', options: { cache: { ttl: CACHE_TTL } } });
      b.clock.ms = a.clock.ms;
      await a.register('amy');
      const { token } = await a.login('amy');
      expect((await b.http().get('/me').set('Authorization', bearer(token))).status).toBe(200);
      await a.http().post('/auth/logout').set('Authorization', bearer(token));
      expect((await b.http().get('/me').set('Authorization', bearer(token))).status).toBe(200);
      b.clock.advance(CACHE_TTL);
      expect((await b.http().get('/me').set('Authorization', bearer(token))).body.reason).toBe('revoked');
    });

    it('by default, a second instance sees a revocation at once (no cache without a channel; PostgreSQL and SQLite have their own)', async () => {
      a = await createTestApp({ database: db, mode: 'extend' });
      b = await createTestApp({ database: db, mode: 'extend' });
      b.clock.ms = a.clock.ms;
      await a.register('ada');
      const { token } = await a.login('ada');
      expect((await b.http().get('/me').set('Authorization', bearer(token))).status).toBe(200);
      await a.http().post('/auth/logout').set('Authorization', bearer(token));
      let refused = await b.http().get('/me').set('Authorization', bearer(token));
      // PostgreSQL: the NOTIFY reaches B's listener within milliseconds; SQLite: B reads data_version every 250 ms.
      for (let i = 0; i < 200 && database !== 'mariadb' && refused.status === 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        refused = await b.http().get('/me').set('Authorization', bearer(token));
      }
      expect(refused.body.reason).toBe('revoked');
    });

    describeWithRedis('with Redis pub/sub invalidation', () => {
      let publisher: Redis;
      let subscriber: Redis;
      beforeAll(async () => {
        [publisher, subscriber] = await Promise.all([connectRedis(), connectRedis()]);
      });
      afterAll(() => {
        publisher?.disconnect();
        subscriber?.disconnect();
      });

      it('a revocation on one instance takes effect on the other at once', async () => {
        const channel = `nta-test-${randomBytes(4).toString('hex')}`;
        const subscriberB = subscriber.duplicate();
        try {
          a = await createTestApp({ database: db, mode: 'rotate', options: { cache: { ttl: 600, invalidation: redisCacheInvalidation(publisher, subscriber, channel) } } });
          b = await createTestApp({ database: db, mode: 'rotate', options: { cache: { ttl: 600, invalidation: redisCacheInvalidation(publisher, subscriberB, channel) } } });
          b.clock.ms = a.clock.ms;
          await a.register('ben');
          const { token } = await a.login('ben');
          expect((await b.http().get('/me').set('Authorization', bearer(token))).status).toBe(200);
          await a.http().post('/auth/logout-all').set('Authorization', bearer(token));
          let status = 200;
          for (let i = 0; i < 50 && status === 200; i++) {
            status = (await b.http().get('/me').set('Authorization', bearer(token))).status;
            if (status === 200) await new Promise((resolve) => setTimeout(resolve, 10));
          }
          expect(status).toBe(401);
        } finally {
          subscriberB.disconnect();
        }
      });
    });
  });
});
