import { Logger } from '@nestjs/common';
import { ThrottlerStorageService } from '@nestjs/throttler';
import Redis, { RedisOptions } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { connectRedis, describeWithRedis } from '../../test/support/redis';
import { TokenStoreUnavailableException } from '../token-auth.exceptions';
import { TokenAuthConfigError } from '../token-auth.options-validation';
import { RedisScriptClient, RedisThrottlerStorage } from './redis-throttler.storage';

const MINUTE = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client pointed at a port nobody listens on; `options` decide whether it fails fast or queues. */
function deadClient(options: RedisOptions): Redis {
  const client = new Redis({ host: '127.0.0.1', port: 1, ...options });
  client.on('error', () => undefined);
  return client;
}

describe('RedisThrottlerStorage', () => {
  let warn: jest.SpyInstance;
  let log: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  // The real server: these tests are about Redis's atomicity and TTLs, which a mock cannot show.
  describeWithRedis('on a real Redis server', () => {
    const prefix = `nta:spec:${randomBytes(6).toString('hex')}:`;
    let redis: Redis;
    let storage: RedisThrottlerStorage;

    beforeAll(async () => {
      redis = await connectRedis();
      storage = new RedisThrottlerStorage(redis, { prefix });
    });

    afterAll(async () => {
      const keys = (await redis?.keys(`${prefix}*`)) ?? [];
      if (keys.length) await redis.del(...keys);
      await redis?.quit();
    });

    it('counts hits and reports the window in seconds', async () => {
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await storage.increment('count', MINUTE, 5, MINUTE, 'default'));
      expect(results).toEqual([1, 2, 3].map((totalHits) => ({ totalHits, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 })));
    });

    it('blocks past the limit for blockDuration, without counting blocked hits', async () => {
      await storage.increment('block', MINUTE, 2, 5000, 'default');
      await storage.increment('block', MINUTE, 2, 5000, 'default');
      expect(await storage.increment('block', MINUTE, 2, 5000, 'default')).toEqual({ totalHits: 3, timeToExpire: 60, isBlocked: true, timeToBlockExpire: 5 });
      expect(await storage.increment('block', MINUTE, 2, 5000, 'default')).toMatchObject({ totalHits: 3, isBlocked: true });
    });

    it.each([
      ['with a block duration', 30_000],
      ['without a block duration', 0],
    ])('answers like the in-memory ThrottlerStorageService, %s', async (_, blockDuration) => {
      const memory = new ThrottlerStorageService();
      const key = `same-as-memory-${blockDuration}`;
      for (let i = 0; i < 6; i++) {
        const expected = await memory.increment(key, MINUTE, 3, blockDuration, 'default');
        // The in-memory store returns a meaningless negative timeToBlockExpire when not blocked; the guard ignores it.
        const normalised = { ...expected, timeToBlockExpire: expected.isBlocked ? expected.timeToBlockExpire : 0 };
        expect(await storage.increment(key, MINUTE, 3, blockDuration, 'default')).toEqual(normalised);
      }
      memory.onApplicationShutdown();
    });

    it('lets a block end and Redis expire the keys (real TTL, short wait)', async () => {
      const hit = () => storage.increment('expire', 300, 1, 300, 'default');
      await hit();
      expect(await hit()).toMatchObject({ isBlocked: true, timeToBlockExpire: 1 });
      await sleep(700);
      expect(await redis.exists(`${prefix}{expire}`, `${prefix}{expire}:default`)).toBe(0);
      expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
    });

    it('forgets each hit ttl after it was made (sliding log)', async () => {
      const hit = () => storage.increment('sliding', 600, 2, 0, 'default');
      await hit();
      await sleep(300);
      await hit();
      expect(await hit()).toMatchObject({ isBlocked: true });
      await sleep(400); // the first hit has expired, the second has not
      expect(await hit()).toMatchObject({ totalHits: 2, isBlocked: false });
    });

    it('counts 100 parallel increments exactly', async () => {
      const results = await Promise.all(Array.from({ length: 100 }, () => storage.increment('parallel', MINUTE, 1000, MINUTE, 'default')));
      expect(results.map((r) => r.totalHits).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    });

    it('lets exactly `limit` of 100 parallel requests through', async () => {
      const results = await Promise.all(Array.from({ length: 100 }, () => storage.increment('parallel-limit', MINUTE, 10, MINUTE, 'default')));
      expect(results.filter((r) => !r.isBlocked)).toHaveLength(10);
    });

    it('keeps a key in one cluster slot, under the prefix, never without a TTL', async () => {
      await storage.increment('layout', MINUTE, 5, MINUTE, 'named');
      expect((await redis.keys(`${prefix}{layout}*`)).sort()).toEqual([`${prefix}{layout}`, `${prefix}{layout}:named`]);
      expect(await redis.pttl(`${prefix}{layout}`)).toBeGreaterThan(0);
      expect(await redis.pttl(`${prefix}{layout}:named`)).toBeGreaterThan(0);
    });

    it('reloads its script after SCRIPT FLUSH (a Redis restart or failover)', async () => {
      await storage.increment('flush', MINUTE, 5, MINUTE, 'default');
      await redis.script('FLUSH');
      expect(await storage.increment('flush', MINUTE, 5, MINUTE, 'default')).toMatchObject({ totalHits: 2 });
    });

    it('warns once per outage and logs the recovery', async () => {
      let down = false;
      // A structural client: the storage only needs eval and evalsha.
      const flaky: RedisScriptClient = {
        evalsha: (...args) => (down ? Promise.reject(new Error('down')) : redis.evalsha(...args)),
        eval: (...args) => (down ? Promise.reject(new Error('down')) : redis.eval(...args)),
      };
      const open = new RedisThrottlerStorage(flaky, { prefix });
      for (const state of [true, true, false, false, true]) {
        down = state;
        await open.increment('flaky', MINUTE, 100, MINUTE, 'default');
      }
      expect(warn).toHaveBeenCalledTimes(2);
      expect(log).toHaveBeenCalledTimes(1);
    });
  });

  describe('when Redis is down or silent', () => {
    it('fails open by default when Redis is down, warning once', async () => {
      const dead = deadClient({ enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 200 });
      const open = new RedisThrottlerStorage(dead);
      for (let i = 0; i < 3; i++) expect(await open.increment('down', MINUTE, 1, MINUTE, 'default')).toMatchObject({ isBlocked: false });
      expect(warn).toHaveBeenCalledTimes(1);
      dead.disconnect();
    });

    it('does not hang on a client that never answers (e.g. one queueing commands while offline)', async () => {
      const silent: RedisScriptClient = { evalsha: () => new Promise(() => undefined), eval: () => new Promise(() => undefined) };
      const hit = (failOpen: boolean) => new RedisThrottlerStorage(silent, { timeout: 200, failOpen }).increment('silent', MINUTE, 1, MINUTE, 'default');
      const started = Date.now();
      expect(await hit(true)).toMatchObject({ isBlocked: false });
      await expect(hit(false)).rejects.toBeInstanceOf(TokenStoreUnavailableException);
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('fails closed with 503 when failOpen is false', async () => {
      const dead = deadClient({ enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 200 });
      const closed = new RedisThrottlerStorage(dead, { failOpen: false });
      const refusal = closed.increment('down', MINUTE, 1, MINUTE, 'default');
      await expect(refusal).rejects.toBeInstanceOf(TokenStoreUnavailableException);
      await expect(refusal).rejects.toMatchObject({ status: 503 });
      await expect(closed.increment('down', MINUTE, 1, MINUTE, 'default')).rejects.toBeInstanceOf(TokenStoreUnavailableException);
      expect(warn).toHaveBeenCalledTimes(1);
      dead.disconnect();
    });

    it('refuses a prefix that would break the cluster hash tag, and a client without eval', () => {
      const client = deadClient({ lazyConnect: true });
      expect(() => new RedisThrottlerStorage(client, { prefix: 'a{b}:' })).toThrow(TokenAuthConfigError);
      expect(() => new RedisThrottlerStorage({} as RedisScriptClient)).toThrow(/eval\(\) and evalsha\(\)/);
      client.disconnect();
    });
  });
});
