import { DynamicModule, Module, Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ExpiryPolicy } from './expiry-policy';
import { TokenAuthGuard } from './guards/token-auth.guard';
import { LoginThrottlerGuard, RefreshThrottlerGuard } from './guards/token-auth-throttler.guard';
import { TokenAuthModeGuard } from './guards/token-auth-mode.guard';
import { TOKEN_AUTH_COOKIE, TOKEN_AUTH_OPTIONS, TOKEN_AUTH_THROTTLER_STORAGE } from './token-auth.constants';
import { CookieTransport } from './cookie-transport';
import { createTokenAuthController } from './token-auth.controller';
import { TokenAuthEvents } from './token-auth.events.service';
import { TokenAuthExceptionFilter } from './token-auth-exception.filter';
import {
  ConfigurableTokenAuthModule,
  DEFAULT_EXTRAS,
  TOKEN_AUTH_ASYNC_OPTIONS_TYPE,
  TOKEN_AUTH_MODULE_OPTIONS,
  TOKEN_AUTH_OPTIONS_TYPE,
  TokenAuthModuleExtras,
} from './token-auth.module-definition';
import { TokenAuthConfigError, resolveTokenAuthOptions } from './token-auth.options-validation';
import { ResolvedTokenAuthOptions, TokenAuthModuleOptions } from './token-auth.options';
import { TokenAuthService } from './token-auth.service';
import { TokenAuthStrategy } from './token-auth.strategy';
import { RequestAuthenticator } from './request-authenticator';
import { TokenFormat } from './token-format';
import { TokenHasher } from './token-hasher';
import { TokenIssuer } from './token-issuer';
import { TokenCache } from './token-cache';
import { TokenLookup } from './token-lookup';
import { TokenRotationService } from './token-rotation.service';
import { TokenStandardsService } from './token-standards.service';
import { TokenPurgeService } from './token-purge.service';
import { LegacySuccessors } from './rotation/legacy-successors';
import { SealSweeper } from './rotation/seal-sweeper';
import { TABLE_NAME_PATTERN, tokenEntity } from './storage/token.entity';
import { TokenStore } from './storage/token.store';

/**
 * Opaque, database-backed bearer tokens. `forRoot({ mode, users, secrets })` or `forRootAsync(...)`.
 * The module only wires; the rules live in the files it provides.
 */
@Module({})
export class TokenAuthModule extends ConfigurableTokenAuthModule {
  static override forRoot(options: typeof TOKEN_AUTH_OPTIONS_TYPE): DynamicModule {
    return withParts(super.forRoot(options), options);
  }

  static override forRootAsync(options: typeof TOKEN_AUTH_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withParts(super.forRootAsync(options), options);
  }
}

function withParts(definition: DynamicModule, given: TokenAuthModuleExtras): DynamicModule {
  const extras = { ...DEFAULT_EXTRAS, ...stripUndefined(given) };
  if (!TABLE_NAME_PATTERN.test(extras.tableName)) throw new TokenAuthConfigError('tableName', `a string matching ${TABLE_NAME_PATTERN}`, extras.tableName);
  if (extras.routePrefix !== false && (typeof extras.routePrefix !== 'string' || !/^[A-Za-z0-9/_-]*$/.test(extras.routePrefix))) {
    throw new TokenAuthConfigError('routePrefix', 'a path such as "auth", or false', extras.routePrefix);
  }
  const entity = tokenEntity(extras.tableName);
  const providers: Provider[] = [
    { provide: TOKEN_AUTH_OPTIONS, useFactory: (raw: TokenAuthModuleOptions) => resolveTokenAuthOptions(raw), inject: [TOKEN_AUTH_MODULE_OPTIONS] },
    { provide: TokenFormat, useFactory: (o: ResolvedTokenAuthOptions) => new TokenFormat(o.tokenPrefix), inject: [TOKEN_AUTH_OPTIONS] },
    { provide: TokenHasher, useFactory: (o: ResolvedTokenAuthOptions) => new TokenHasher(o.secrets), inject: [TOKEN_AUTH_OPTIONS] },
    { provide: ExpiryPolicy, useFactory: (o: ResolvedTokenAuthOptions) => new ExpiryPolicy(o), inject: [TOKEN_AUTH_OPTIONS] },
    {
      provide: TokenIssuer,
      useFactory: (o: ResolvedTokenAuthOptions, f: TokenFormat, h: TokenHasher, p: ExpiryPolicy) => new TokenIssuer(f, h, p, o.mode === 'rotate'),
      inject: [TOKEN_AUTH_OPTIONS, TokenFormat, TokenHasher, ExpiryPolicy],
    },
    {
      provide: TokenCache,
      useFactory: async (o: ResolvedTokenAuthOptions) => {
        if (!o.cache) return null;
        const cache = new TokenCache(o.cache.ttlMs, o.cache.max, o.clock, o.cache.invalidation);
        await cache.listen();
        return cache;
      },
      inject: [TOKEN_AUTH_OPTIONS],
    },
    {
      provide: TokenStore,
      useFactory: (ds: DataSource, cache: TokenCache | null) => new TokenStore(ds, extras.tableName, cache),
      inject: [getDataSourceToken(extras.dataSource), TokenCache],
    },
    {
      provide: SealSweeper,
      useFactory: (store: TokenStore, o: ResolvedTokenAuthOptions) => new SealSweeper(store, o.reuseGraceMs, o.clock),
      inject: [TokenStore, TOKEN_AUTH_OPTIONS],
    },
    {
      provide: LegacySuccessors,
      useFactory: (o: ResolvedTokenAuthOptions, f: TokenFormat) => new LegacySuccessors(o.secrets, f),
      inject: [TOKEN_AUTH_OPTIONS, TokenFormat],
    },
    {
      provide: TokenLookup,
      useFactory: (f: TokenFormat, h: TokenHasher, store: TokenStore) => new TokenLookup(f, h, store),
      inject: [TokenFormat, TokenHasher, TokenStore],
    },
    {
      provide: TokenPurgeService,
      useFactory: (ds: DataSource, o: ResolvedTokenAuthOptions) => new TokenPurgeService(ds, extras.tableName, o.clock, o.reuseGraceMs / 1000),
      inject: [getDataSourceToken(extras.dataSource), TOKEN_AUTH_OPTIONS],
    },
    {
      provide: TOKEN_AUTH_THROTTLER_STORAGE,
      useFactory: (o: ResolvedTokenAuthOptions) => o.throttlerStorage ?? new ThrottlerStorageService(),
      inject: [TOKEN_AUTH_OPTIONS],
    },
    {
      provide: TOKEN_AUTH_COOKIE,
      // Rotate: the refresh cookie is only sent to the auth routes. Extend: the token cookie goes everywhere.
      useFactory: (o: ResolvedTokenAuthOptions) =>
        o.cookie ? new CookieTransport(o.cookie, o.cookie.path ?? (o.mode === 'rotate' && extras.routePrefix ? `/${extras.routePrefix}`.replace(/\/+/g, '/') : '/')) : null,
      inject: [TOKEN_AUTH_OPTIONS],
    },
    TokenAuthEvents,
    TokenAuthService,
    TokenRotationService,
    TokenStandardsService,
    RequestAuthenticator,
    TokenAuthStrategy,
    TokenAuthModeGuard,
    LoginThrottlerGuard,
    RefreshThrottlerGuard,
    { provide: APP_FILTER, useClass: TokenAuthExceptionFilter },
  ];
  if (extras.globalGuard) providers.push({ provide: APP_GUARD, useClass: TokenAuthGuard });
  return {
    ...definition,
    global: extras.isGlobal,
    imports: [...(definition.imports ?? []), PassportModule, TypeOrmModule.forFeature([entity], extras.dataSource)],
    controllers: extras.routePrefix === false ? [] : [createTokenAuthController(extras.routePrefix)],
    providers: [...(definition.providers ?? []), ...providers],
    exports: [...(definition.exports ?? []), TokenAuthService, TokenRotationService, TokenStandardsService, TokenPurgeService, TOKEN_AUTH_OPTIONS],
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
