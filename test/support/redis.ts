import Redis, { RedisOptions } from 'ioredis';

/** Where Redis answers (`TEST_REDIS_URL`). */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** `TEST_REDIS=1` selects the tests that need a Redis server; unset (or `0`) leaves them out. */
export function redisSelected(): boolean {
  const raw = (process.env.TEST_REDIS ?? '').trim();
  if (raw === '' || raw === '0') return false;
  if (raw === '1') return true;
  throw new Error(`TEST_REDIS must be 1 (run the Redis tests) or 0 (got "${raw}")`);
}

/**
 * `describe` for blocks that need Redis: built only when Redis is selected, so an unselected block
 * runs no test at all (nothing passes without Redis); the global setup prints that it was left out.
 */
export const describeWithRedis = (name: string, fn: () => void): void => {
  if (redisSelected()) describe(name, fn);
};

/** A client that fails at once, naming the server and the variable, when Redis does not answer. */
export async function connectRedis(options: RedisOptions = {}): Promise<Redis> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 2000, ...options });
  // ioredis reports a refused connection as "Connection is closed."; the socket error says why.
  let cause: Error | undefined;
  const remember = (error: Error) => (cause ??= error);
  client.on('error', remember);
  await client.connect().catch((error: Error) => {
    client.disconnect();
    throw new Error(`Redis is not reachable at ${REDIS_URL} (TEST_REDIS_URL): ${(cause ?? error).message}`);
  });
  client.off('error', remember);
  return client;
}
