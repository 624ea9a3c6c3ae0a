import { Logger, OnModuleDestroy } from '@nestjs/common';
import { Clock } from './clock';
import { TokenRecord } from './storage/token.entity';

/** A pub/sub channel that tells other instances which cached tokens to drop (e.g. Redis pub/sub). */
export interface CacheInvalidationChannel {
  publish(message: string): Promise<unknown> | unknown;
  /**
   * Starts delivering messages. A channel that can tell calls `onState(false)` when it may have lost
   * messages (connection down) and `onState(true)` once it listens again; the cache stays off meanwhile.
   */
  subscribe(onMessage: (message: string) => void, onState?: (listening: boolean) => void): Promise<unknown> | unknown;
  /**
   * A statement that publishes `message` from inside the revoking transaction, so the message goes
   * out exactly when the revocation commits (PostgreSQL `pg_notify`). Without it, `publish` runs after the commit.
   */
  statement?(message: string): { sql: string; params: unknown[] };
  /** Stops listening (module shutdown). */
  close?(): Promise<unknown> | unknown;
}

interface Entry {
  record: TokenRecord;
  user: unknown;
  until: number;
}

/**
 * In-process cache of verified access tokens and their users, bounded in size and age. The presented
 * secret is still checked against the cached digest on every hit. Revocations made by this process
 * evict at once (the store calls `evictFamily` / `evictUser`); other instances learn of them through
 * the invalidation channel. While a channel says it is down the cache is empty and off.
 */
export class TokenCache implements OnModuleDestroy {
  private readonly logger = new Logger('TokenAuth');
  private readonly entries = new Map<string, Entry>();
  /** Moves on every eviction and channel change: a row read before it moved may be stale, so it is not cached. */
  private generation = 0;
  private listening: boolean;
  private readonly remoteListeners: Array<(kind: 'family' | 'user', id: string) => void> = [];

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly clock: Clock,
    readonly channel: CacheInvalidationChannel | null,
  ) {
    // A channel must prove it listens before anything is cached; no channel means a local-only cache.
    this.listening = channel === null;
  }

  /** Starts listening to other instances' revocations. */
  async listen(): Promise<void> {
    if (!this.channel) return;
    let reported = false;
    await this.channel.subscribe(
      (message) => {
        this.apply(message);
        this.notifyRemote(message);
      },
      (listening) => {
        reported = true;
        this.setListening(listening);
      },
    );
    // A channel that reports no state is taken as listening once subscribe() resolved.
    if (!reported) this.setListening(true);
  }

  /** Whether entries are served and stored now. */
  get active(): boolean {
    return this.listening;
  }

  /** A mark to take before reading a row from the database; hand it back to `set`. */
  mark(): number {
    return this.generation;
  }

  get(keyId: string): Entry | undefined {
    if (!this.listening) return undefined;
    const entry = this.entries.get(keyId);
    if (entry && entry.until <= this.clock.now()) {
      this.entries.delete(keyId);
      return undefined;
    }
    return entry;
  }

  /** Caches a row read after `mark` was taken, unless any eviction (or a channel outage) came since. */
  set(keyId: string, record: TokenRecord, user: unknown, mark: number): void {
    if (!this.listening || mark !== this.generation) return;
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(keyId, { record, user, until: this.clock.now() + this.ttlMs });
  }

  /** The message that evicts a session everywhere. */
  static familyMessage(familyId: string): string {
    return `f:${familyId}`;
  }

  /** The message that evicts a user's tokens (and cached user) everywhere. */
  static userMessage(userId: string): string {
    return `u:${userId}`;
  }

  /** The message that empties the cache (a channel that cannot tell which rows changed). */
  static everythingMessage(): string {
    return 'a:';
  }

  /** The in-transaction publishing statement of the channel, if it has one. */
  statement(message: string): { sql: string; params: unknown[] } | null {
    return this.channel?.statement?.(message) ?? null;
  }

  /** Drops a session's tokens here and, unless `published` (sent with the commit), through the channel. */
  async evictFamily(familyId: string, published = false): Promise<void> {
    this.apply(TokenCache.familyMessage(familyId));
    if (!published) await this.broadcast(TokenCache.familyMessage(familyId));
  }

  /** Drops a user's tokens here and, unless `published`, through the channel. */
  async evictUser(userId: string, published = false): Promise<void> {
    this.apply(TokenCache.userMessage(userId));
    if (!published) await this.broadcast(TokenCache.userMessage(userId));
  }

  async onModuleDestroy(): Promise<void> {
    this.setListening(false);
    await this.channel?.close?.();
  }

  /** Calls `listener` after another instance's revocation has been applied here (live sockets are closed on it). */
  onRemoteEviction(listener: (kind: 'family' | 'user', id: string) => void): void {
    this.remoteListeners.push(listener);
  }

  private apply(message: string): void {
    const id = message.slice(2);
    if (message.startsWith('f:')) this.drop((keyId, record) => record.familyId === id);
    else if (message.startsWith('u:')) this.drop((keyId, record) => record.userId === id);
    else if (message.startsWith('k:')) this.drop((keyId) => keyId === id);
    else if (message === 'a:') this.drop(() => true);
  }

  private notifyRemote(message: string): void {
    const kind = message.startsWith('f:') ? 'family' : message.startsWith('u:') ? 'user' : null;
    if (kind) for (const listener of this.remoteListeners) listener(kind, message.slice(2));
  }

  private setListening(listening: boolean): void {
    if (listening === this.listening) return;
    this.generation++;
    this.entries.clear();
    this.listening = listening;
    if (listening) this.logger.log('cache invalidation channel listening: token cache on');
    else this.logger.warn('cache invalidation channel lost: token cache emptied and off until it is back');
  }

  private drop(matches: (keyId: string, record: TokenRecord) => boolean): void {
    this.generation++;
    for (const [keyId, entry] of this.entries) if (matches(keyId, entry.record)) this.entries.delete(keyId);
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
  on(event: 'close' | 'ready', listener: () => void): unknown;
}

/**
 * Cache invalidation over Redis pub/sub; `subscriber` must be a dedicated connection. While it is
 * disconnected the cache is off (ioredis subscribes again when it reconnects).
 */
export function redisCacheInvalidation(publisher: RedisPubSubClient, subscriber: RedisPubSubClient, channel = 'nest-token-auth:cache'): CacheInvalidationChannel {
  return {
    publish: (message) => publisher.publish(channel, message),
    subscribe: async (onMessage, onState) => {
      subscriber.on('message', (from, message) => from === channel && onMessage(message));
      await subscriber.subscribe(channel);
      subscriber.on('close', () => onState?.(false));
      // Subscribing again is harmless and tells when the subscription is really back.
      subscriber.on('ready', () => void Promise.resolve(subscriber.subscribe(channel)).then(() => onState?.(true), () => undefined));
      onState?.(true);
    },
  };
}
