import { Logger } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import { TokenStoreUnavailableException } from '../token-auth.exceptions';
import { TokenAuthConfigError } from '../token-auth.options-validation';

/** The two commands the storage needs; an ioredis `Redis` or `Cluster` satisfies it. */
export interface RedisScriptClient {
  evalsha(sha1: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** Options of `RedisThrottlerStorage`. */
export interface RedisThrottlerStorageOptions {
  /** Prepended to every key; no `{` or `}` (the key itself is the cluster hash tag). Default `'nta:throttle:'`. */
  prefix?: string;
  /** `true`: allow requests while Redis is unreachable (one warning per outage). `false`: refuse them with 503. Default `true`. */
  failOpen?: boolean;
  /** Give up on Redis after this many milliseconds, whatever the client's own settings. Default 500. */
  timeout?: number;
}

/** What `increment` resolves to (@nestjs/throttler's index does not export the type). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * The semantics of @nestjs/throttler 6.7's in-memory `ThrottlerStorageService`, in one atomic script:
 * a sliding log of hits (one sorted-set entry per hit, scored by its expiry), a per-key window timer,
 * and a block that, once over, resets the count. Time is Redis's, so instances with skewed clocks agree.
 * KEYS[1] hash {expiresAt, blockExpiresAt, blocked, seq}; KEYS[2] sorted set of hits.
 * ARGV ttl ms, limit, blockDuration ms. Returns {totalHits, timeToExpire, blocked 0/1, timeToBlockExpire}.
 */
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl, limit, block = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local m = redis.call('HMGET', KEYS[1], 'expiresAt', 'blockExpiresAt', 'blocked')
local expiresAt, blockExpiresAt, blocked = tonumber(m[1]) or 0, tonumber(m[2]) or 0, m[3] == '1'
local function hit()
  redis.call('ZADD', KEYS[2], now + ttl, redis.call('HINCRBY', KEYS[1], 'seq', 1))
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if expiresAt <= now then expiresAt = now + ttl end
local toExpire = math.ceil((expiresAt - now) / 1000)
local total, toBlock
if block <= 0 then
  blocked = redis.call('ZCARD', KEYS[2]) >= limit
  if not blocked then hit() end
  total = redis.call('ZCARD', KEYS[2])
  toBlock = 0
  if blocked then
    total = total + 1
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2]
    toBlock = oldest and math.ceil((tonumber(oldest) - now) / 1000) or toExpire
  end
else
  if not blocked then hit() end
  if not blocked and redis.call('ZCARD', KEYS[2]) > limit then
    blocked = true
    blockExpiresAt = now + block
  end
  toBlock = math.ceil((blockExpiresAt - now) / 1000)
  if blocked and toBlock <= 0 then
    blocked = false
    redis.call('DEL', KEYS[2])
    hit()
  end
  total = redis.call('ZCARD', KEYS[2])
  if not blocked then toBlock = 0 end
end
redis.call('HSET', KEYS[1], 'expiresAt', expiresAt, 'blockExpiresAt', blockExpiresAt, 'blocked', blocked and '1' or '0')
local newest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')[2]
local keep = math.max(1, math.ceil(math.max(expiresAt, blocked and blockExpiresAt or 0, tonumber(newest) or 0) - now))
redis.call('PEXPIRE', KEYS[1], keep)
redis.call('PEXPIRE', KEYS[2], keep)
return {total, toExpire, blocked and 1 or 0, toBlock}
`;
const SHA = createHash('sha1').update(SCRIPT).digest('hex');

/**
 * A `ThrottlerStorage` in Redis, so every instance behind a load balancer counts against the same
 * limit: `throttle: { storage: new RedisThrottlerStorage(redis) }`. Configure the client to fail fast
 * (ioredis: `enableOfflineQueue: false`, `maxRetriesPerRequest: 1`, `commandTimeout: 500`).
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('TokenAuth');
  private readonly prefix: string;
  private readonly failOpen: boolean;
  private readonly timeout: number;
  private outage = false;

  constructor(private readonly client: RedisScriptClient, options: RedisThrottlerStorageOptions = {}) {
    if (!client || typeof client.evalsha !== 'function' || typeof client.eval !== 'function') {
      throw new TokenAuthConfigError('RedisThrottlerStorage client', 'a Redis client with eval() and evalsha(), such as ioredis', client);
    }
    this.prefix = options.prefix ?? 'nta:throttle:';
    if (typeof this.prefix !== 'string' || /[{}]/.test(this.prefix)) {
      throw new TokenAuthConfigError('RedisThrottlerStorage prefix', 'a string without { or }', this.prefix);
    }
    this.failOpen = options.failOpen ?? true;
    if (typeof this.failOpen !== 'boolean') throw new TokenAuthConfigError('RedisThrottlerStorage failOpen', 'true or false', this.failOpen);
    this.timeout = options.timeout ?? 500;
    if (!(this.timeout > 0)) throw new TokenAuthConfigError('RedisThrottlerStorage timeout', 'a positive number of milliseconds', this.timeout);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    // Both keys share the hash tag {key}, so the script stays on one slot in Redis Cluster.
    const base = `${this.prefix}{${key}}`;
    const keys = [base, `${base}:${throttlerName}`];
    let reply: unknown;
    try {
      reply = await this.withTimeout(this.run(keys, [ttl, limit, blockDuration]));
    } catch (error) {
      return this.unavailable(error, ttl);
    }
    if (this.outage) {
      this.outage = false;
      this.logger.log('Redis throttler storage reachable again.');
    }
    const [totalHits, timeToExpire, blocked, timeToBlockExpire] = reply as number[];
    return { totalHits, timeToExpire, isBlocked: blocked === 1, timeToBlockExpire };
  }

  /** EVALSHA, falling back to EVAL (which caches the script) after a Redis restart or failover. */
  private async run(keys: string[], args: number[]): Promise<unknown> {
    try {
      return await this.client.evalsha(SHA, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return this.client.eval(SCRIPT, keys.length, ...keys, ...args);
    }
  }

  /** Fails open or closed (503), warning once per outage. A rate limiter must not take the app down with it. */
  private unavailable(error: unknown, ttl: number): ThrottlerStorageRecord {
    if (!this.outage) {
      this.outage = true;
      const effect = this.failOpen ? 'rate limits are not enforced' : 'rate-limited routes answer 503';
      this.logger.warn(`Redis throttler storage unreachable (${(error as Error)?.message ?? error}); ${effect} until it is back.`);
    }
    if (!this.failOpen) throw new TokenStoreUnavailableException();
    return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
  }

  private withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no reply within ${this.timeout} ms`)), this.timeout);
    });
    return Promise.race([promise, timedOut]).finally(() => clearTimeout(timer));
  }
}
