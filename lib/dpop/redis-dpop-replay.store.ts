import { Logger } from '@nestjs/common';
import { TokenStoreUnavailableException } from '../token-auth.exceptions';
import { DpopReplayStore } from './dpop-replay.store';

/** The one command the replay store needs (`SET key value PX ms NX`); an ioredis `Redis` or `Cluster` satisfies it. */
export interface RedisSetClient {
  set(key: string, value: string, px: 'PX', milliseconds: number, nx: 'NX'): Promise<unknown>;
}

/** Options of `redisDpopReplayStore`. */
export interface RedisDpopReplayStoreOptions {
  /** Prepended to every key. Default `'nta:dpop:'`. */
  prefix?: string;
  /** Give up on Redis after this many milliseconds. Default 500. */
  timeout?: number;
}

/**
 * A DPoP replay store in Redis, shared by every instance: one atomic `SET NX` per proof. It fails
 * closed: while Redis is unreachable, DPoP requests get 503 (never a 401, never an unchecked replay).
 */
export function redisDpopReplayStore(client: RedisSetClient, options: RedisDpopReplayStoreOptions = {}): DpopReplayStore {
  const prefix = options.prefix ?? 'nta:dpop:';
  const timeout = options.timeout ?? 500;
  const logger = new Logger('TokenAuth');
  return {
    async claim(key: string, ttlMs: number): Promise<boolean> {
      let timer: NodeJS.Timeout | undefined;
      try {
        const answer = await Promise.race([
          client.set(prefix + key, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'),
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeout} ms`)), timeout))),
        ]);
        return answer === 'OK';
      } catch (error) {
        logger.error(`DPoP replay store unavailable: ${(error as Error)?.message ?? error}`);
        throw new TokenStoreUnavailableException();
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
