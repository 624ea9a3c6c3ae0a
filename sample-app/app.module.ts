import { DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TokenAuthEvent, TokenAuthModule } from '../lib';
import { ephemeralSecret, SampleConfig } from './config';
import { databaseOptions } from './database';
import { HealthController } from './health.controller';
import { UsersModule } from './users/users.module';
import { UsersService } from './users/users.service';

const logger = new Logger('TokenEvents');

/** Logs what an operator wants to see; never a token (events carry ids only). */
function logEvent(event: TokenAuthEvent): void {
  if (event.type === 'reuse-detected') {
    logger.warn(`refresh token reuse detected: user ${event.userId}, session ${event.sessionId} revoked (${event.count} tokens)`);
  }
}

@Module({})
export class AppModule {
  static forConfig(config: SampleConfig): DynamicModule {
    if (!config.tokenSecret) logger.warn('TOKEN_SECRET is not set: using a random secret, so tokens will not survive a restart.');
    const secret = config.tokenSecret ?? ephemeralSecret();
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot(databaseOptions(config.databaseUrl)),
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
            throttle: {
              login: { limit: config.loginLimit, window: config.loginWindow },
              refresh: { limit: config.refreshLimit, window: config.refreshWindow },
            },
            onEvent: logEvent,
          }),
        }),
      ],
      controllers: [HealthController],
    };
  }
}
