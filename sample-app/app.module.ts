import { DynamicModule, Inject, Logger, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { createHash, timingSafeEqual } from 'node:crypto';
import { redisCacheInvalidation, RedisThrottlerStorage, redisDpopReplayStore, TokenAuthEvent, TokenAuthModule } from '../lib';
import { ephemeralSecret, SampleConfig } from './config';
import { databaseOptions } from './database';
import { SqliteCheckpointer } from './sqlite-checkpointer';
import { DataSource } from 'typeorm';
import { HealthController } from './health.controller';
import { UsersModule } from './users/users.module';
import { UsersService } from './users/users.service';

const logger = new Logger('TokenEvents');
const REDIS_CLIENTS = Symbol('REDIS_CLIENTS');

/** Logs what an operator wants to see; never a token (events carry ids only). */
function logEvent(event: TokenAuthEvent): void {
  if (event.type === 'reuse-detected') {
    logger.warn(`refresh token reuse detected: user ${event.userId}, session ${event.sessionId} revoked (${event.count} tokens)`);
  }
}

/** A Redis client that fails fast: the throttler storage fails open, so a down Redis must not queue or retry requests. */
function throttleRedis(url: string): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500, connectTimeout: 2000 });
  // The storage logs each outage once; without a listener ioredis would print every reconnect attempt.
  redis.on('error', () => undefined);
  return redis;
}

/**
 * The token cache's invalidation channel over Redis pub/sub, for MariaDB/MySQL (PostgreSQL and a
 * SQLite file have their own, built in). The subscriber is a connection of its own, as pub/sub needs;
 * while it is down, the module keeps the token cache off.
 */
function cacheInvalidation(publisher: Redis, url: string, prefix: string | null) {
  const subscriber = new Redis(url, { connectTimeout: 2000 });
  subscriber.on('error', () => undefined);
  return { channel: redisCacheInvalidation(publisher, subscriber, `${prefix ?? ''}nest-token-auth:cache`), subscriber };
}

/** Lets resource servers holding the shared key introspect tokens (compared in constant time). */
function introspectionCaller(key: string) {
  const expected = createHash('sha256').update(`Bearer ${key}`).digest();
  return (request: { headers: Record<string, unknown> }) => {
    const presented = request.headers.authorization;
    return typeof presented === 'string' && timingSafeEqual(createHash('sha256').update(presented).digest(), expected);
  };
}

@Module({})
export class AppModule implements OnApplicationShutdown {
  constructor(
    @Optional() @Inject(REDIS_CLIENTS) private readonly redis?: Redis[],
    @Optional() @Inject(SqliteCheckpointer) private readonly checkpointer?: SqliteCheckpointer | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    // disconnect(), not quit(): nothing in flight is worth waiting for, and quit() can stall on a dead server.
    for (const client of this.redis ?? []) client.disconnect();
    await this.checkpointer?.stop();
  }

  static forConfig(config: SampleConfig): DynamicModule {
    if (!config.tokenSecret) logger.warn('TOKEN_SECRET is not set: using a random secret, so tokens will not survive a restart.');
    const secret = config.tokenSecret ?? ephemeralSecret();
    // With REDIS_URL, every instance counts against the same rate limits (ours and the token module's).
    const redis = config.redisUrl ? throttleRedis(config.redisUrl) : null;
    const storage = redis ? new RedisThrottlerStorage(redis, { prefix: config.redisPrefix ?? undefined }) : undefined;
    // With REDIS_URL on MariaDB/MySQL, revocations reach every instance's token cache over Redis.
    const invalidation = redis && /^(mysql|mariadb):/.test(config.databaseUrl) ? cacheInvalidation(redis, config.redisUrl!, config.redisPrefix) : null;
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot(databaseOptions(config.databaseUrl)),
        // The app's own limits (registration); the token module keeps its login and refresh limits apart.
        ThrottlerModule.forRoot({ throttlers: [{ limit: config.registerLimit, ttl: config.registerWindow * 1000 }], storage }),
        UsersModule,
        TokenAuthModule.forRootAsync({
          isGlobal: true,
          useFactory: () => ({
            mode: config.mode,
            users: UsersService,
            secrets: secret,
            ttl: config.accessTtl,
            refreshTtl: config.refreshTtl,
            minRefreshInterval: config.minRefreshInterval,
            maxLifetime: config.maxLifetime,
            reuseGrace: config.reuseGrace,
            tokenLimitPerUser: config.tokenLimitPerUser,
            cookie: config.cookie ? {} : false,
            introspection: config.introspectionKey ? { authorize: introspectionCaller(config.introspectionKey) } : false,
            throttle: {
              login: { limit: config.loginLimit, window: config.loginWindow },
              refresh: { limit: config.refreshLimit, window: config.refreshWindow },
              storage,
            },
            ...(invalidation ? { cache: { invalidation: invalidation.channel } } : {}),
            onEvent: logEvent,
            legacy: config.knox ? { knox: config.knox } : undefined,
            // With REDIS_URL, a DPoP proof used on one instance is a replay on every other.
            dpop: config.dpop === 'off' ? 'off' : { mode: config.dpop, ...(redis ? { replayStore: redisDpopReplayStore(redis, { prefix: `${config.redisPrefix ?? ''}nta:dpop:` }) } : {}) },
          }),
        }),
      ],
      controllers: [HealthController],
      providers: [
        ...(redis ? [{ provide: REDIS_CLIENTS, useValue: invalidation ? [redis, invalidation.subscriber] : [redis] }] : []),
        { provide: SqliteCheckpointer, useFactory: (dataSource: DataSource) => SqliteCheckpointer.for(dataSource), inject: [DataSource] },
      ],
    };
  }
}
