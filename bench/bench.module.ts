import { DynamicModule, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { TokenAuthModule } from '../lib';
import { DatabaseSpec, typeormOptionsOf } from './bench-database';
import { BenchController, NoopUserGuard } from './bench.controller';
import { BenchUsers } from './bench-users';
import { JwtKeyStrategy, JwtStringStrategy } from './jwt.strategies';
import { QueryCounter } from './query-counter';
import type { AppSpec } from './routes';

/** Rotate-mode access tokens live longer than the longest bench, so none expires mid-run. */
const ROTATE_ACCESS_TTL = 3600;

/**
 * One bench app: the open and JWT routes plus one TokenAuthModule. A process holds one module only,
 * because the module registers its Passport strategy under one global name.
 */
@Module({})
export class BenchModule {
  static forApp({ mode, cache, dpop, dpopThreads }: AppSpec, database: DatabaseSpec, counter: QueryCounter): DynamicModule {
    return {
      module: BenchModule,
      imports: [
        TypeOrmModule.forRoot({ ...typeormOptionsOf(database), autoLoadEntities: true, synchronize: true, logging: true, logger: counter }),
        PassportModule,
        TokenAuthModule.forRoot({
          mode,
          users: BenchUsers,
          secrets: randomBytes(32).toString('base64url'),
          ttl: mode === 'rotate' ? ROTATE_ACCESS_TTL : undefined,
          // The refresh limit stays on (its guard and lookup run) but high enough never to answer 429.
          throttle: { login: false, refresh: { limit: 1_000_000_000, window: 60 } },
          // PostgreSQL: the default settings (cache on over LISTEN/NOTIFY); SQLite file: the cache asked for.
          cache: cache ? (database.type === 'postgres' ? undefined : {}) : false,
          ...(dpop ? { dpop: { mode: 'optional' as const, signatureThreads: dpopThreads } } : {}),
        }),
      ],
      controllers: [BenchController],
      providers: [BenchUsers, JwtStringStrategy, JwtKeyStrategy, NoopUserGuard],
    };
  }
}
