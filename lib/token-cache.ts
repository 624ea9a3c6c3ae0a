import { Logger } from '@nestjs/common';
import { Clock } from './clock';
import { TokenRecord } from './storage/token.entity';

/** A pub/sub channel that tells other instances which cached tokens to drop (e.g. Redis pub/sub). */
export interface CacheInvalidationChannel {
  publish(message: string): Promise<unknown> | unknown;
  subscribe(onMessage: (message: string) => void): Promise<unknown> | unknown;
}

interface Entry {
  record: TokenRecord;
  user: unknown;
  until: number;
}

/**
 * Optional in-process cache of verified access tokens and their users, bounded in size and age.
 * The presented secret is still checked against the cached digest on every hit. Revocations made by
 * this process evict at once (the store calls `evictFamily` / `evictUser`); other instances learn of
 * them through the invalidation channel when one is configured, otherwise within `ttl`.
 */
export class TokenCache {
  private readonly logger = new Logger('TokenAuth');
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly clock: Clock,
    private readonly channel: CacheInvalidationChannel | null,
  ) {}

  /** Starts listening to other instances' revocations. */
  async listen(): Promise<void> {
    await this.channel?.subscribe((message) => this.apply(message));
  }

  get(keyId: string): Entry | undefined {
    const entry = this.entries.get(keyId);
    if (entry && entry.until <= this.clock.now()) {
      this.entries.delete(keyId);
      return undefined;
    }
    return entry;
  }

  set(keyId: string, record: TokenRecord, user: unknown): void {
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(keyId, { record, user, until: this.clock.now() + this.ttlMs });
  }

  /** Drops a session's tokens here and, through the channel, everywhere. */
  async evictFamily(familyId: string): Promise<void> {
    this.drop((record) => record.familyId === familyId);
    await this.broadcast(`f:${familyId}`);
  }

  /** Drops a user's tokens here and, through the channel, everywhere. */
  async evictUser(userId: string): Promise<void> {
    this.drop((record) => record.userId === userId);
    await this.broadcast(`u:${userId}`);
  }

  private apply(message: string): void {
    const id = message.slice(2);
    if (message.startsWith('f:')) this.drop((record) => record.familyId === id);
    else if (message.startsWith('u:')) this.drop((record) => record.userId === id);
  }

  private drop(matches: (record: TokenRecord) => boolean): void {
    for (const [keyId, entry] of this.entries) if (matches(entry.record)) this.entries.delete(keyId);
  }

  private async broadcast(message: string): Promise<void> {
    try {
      await this.channel?.publish(message);
    } catch (error) {
      // The revocation itself is stored; other instances still drop the entry within the cache ttl.
      this.logger.warn(`cache invalidation publish failed: ${(error as Error)?.message ?? error}`);
    }
  }
}

/** A structural subset of an ioredis client, enough for pub/sub. */
export interface RedisPubSubClient {
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
}

/** Cache invalidation over Redis pub/sub; `subscriber` must be a dedicated connection. */
export function redisCacheInvalidation(publisher: RedisPubSubClient, subscriber: RedisPubSubClient, channel = 'nest-token-auth:cache'): CacheInvalidationChannel {
  return {
    publish: (message) => publisher.publish(channel, message),
    subscribe: async (onMessage) => {
      subscriber.on('message', (from, message) => from === channel && onMessage(message));
      await subscriber.subscribe(channel);
    },
  };
}
