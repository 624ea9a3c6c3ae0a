import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ExpiryPolicy } from './expiry-policy';
import { TokenAuthGlobalGuard } from './guards/token-auth-global.guard';
import { LoginThrottlerGuard, RefreshThrottlerGuard } from './guards/token-auth-throttler.guard';
import { TokenAuthModeGuard } from './guards/token-auth-mode.guard';
import { TOKEN_AUTH_COOKIE, TOKEN_AUTH_OPTIONS, TOKEN_AUTH_THROTTLER_STORAGE } from './token-auth.constants';
import { CookieTransport } from './cookie-transport';
import { createTokenAuthController } from './token-auth.controller';
import { TokenAuthEvents } from './token-auth.events.service';
import { TokenAuthSockets } from './transports/socket-sessions';
import {
  ConfigurableTokenAuthModule,
  DEFAULT_EXTRAS,
  TOKEN_AUTH_ASYNC_OPTIONS_TYPE,
  TOKEN_AUTH_MODULE_OPTIONS,
  TOKEN_AUTH_OPTIONS_TYPE,
  TokenAuthModuleExtras,
} from './token-auth.module-definition';
import { TokenAuthConfigError, resolveTokenAuthOptions, unknownOption } from './token-auth.options-validation';
import { ResolvedTokenAuthOptions, TokenAuthModuleOptions } from './token-auth.options';
import { TokenAuthService } from './token-auth.service';
import { RequestAuthenticator } from './request-authenticator';
import { TokenFormat } from './token-format';
import { TokenHasher } from './token-hasher';
import { TokenIssuer } from './token-issuer';
import { TokenCache } from './token-cache';
import { createTokenCache } from './token-cache.factory';
import { TokenLookup } from './token-lookup';
import { TokenRotationService } from './token-rotation.service';
import { TokenStandardsService } from './token-standards.service';
import { TokenPurgeService } from './token-purge.service';
import { LegacySuccessors } from './rotation/legacy-successors';
import { SealSweeper } from './rotation/seal-sweeper';
import { TABLE_NAME_PATTERN, tokenEntity } from './storage/token.entity';
import { TokenStore } from './storage/token.store';
import { legacyTokensProvider } from './legacy/knox/knox.providers';
import { createKnoxUpgradeController } from './legacy/knox/knox-upgrade.controller';
import { dpopBindingProvider, signatureThreadsProvider } from './dpop/dpop.providers';

const DECLARATION_KEYS = Object.keys(DEFAULT_EXTRAS);
const ASYNC_KEYS = ['imports', 'useFactory', 'inject', 'useClass', 'useExisting', 'provideInjectionTokensFrom', ...DECLARATION_KEYS];

/**
 * Opaque, database-backed bearer tokens. `forRoot({ mode, users, secrets })` or `forRootAsync(...)`.
 * The module only wires; the rules live in the files it provides.
 */
@Module({})
export class TokenAuthModule extends ConfigurableTokenAuthModule {
  /**
   * Declares the module with its options (`TokenAuthModuleOptions`) and declaration-time extras
   * (`TokenAuthModuleExtras`: `routePrefix`, `tableName`, `dataSource`, `globalGuard`, `isGlobal`,
   * `passportStrategy`) in one object. Options are validated at boot; unknown keys fail it.
   */
  static override forRoot(options: typeof TOKEN_AUTH_OPTIONS_TYPE): DynamicModule {
    return withParts(super.forRoot(options), options);
  }

  /**
   * Declares the module with options computed at boot: `useFactory` (with `inject`/`imports`),
   * `useClass` or `useExisting` yield `TokenAuthModuleOptions`. The extras (`globalGuard`,
   * `routePrefix`, ...) shape routes and providers, so they go here, beside `useFactory`, never in
   * the factory's result (which fails the boot naming the key).
   */
  static override forRootAsync(options: typeof TOKEN_AUTH_ASYNC_OPTIONS_TYPE): DynamicModule {
    // Nest takes any other key here as an extra and ignores it: `forRootAsync({ ttl: 5, useFactory })` would drop the ttl.
    for (const key of Object.keys(options ?? {})) {
      if (!ASYNC_KEYS.includes(key)) throw unknownOption(key, ASYNC_KEYS, ' in forRootAsync() (module options belong in the factory result)');
    }
    return withParts(super.forRootAsync(options), options);
  }
}

function withParts(definition: DynamicModule, given: TokenAuthModuleExtras): DynamicModule {
  const extras = { ...DEFAULT_EXTRAS, ...stripUndefined(given) };
  for (const flag of ['isGlobal', 'globalGuard', 'passportStrategy'] as const) {
    if (typeof extras[flag] !== 'boolean') throw new TokenAuthConfigError(flag, 'true or false', extras[flag]);
  }
  if (!TABLE_NAME_PATTERN.test(extras.tableName)) throw new TokenAuthConfigError('tableName', `a string matching ${TABLE_NAME_PATTERN}`, extras.tableName);
  if (extras.routePrefix !== false && (typeof extras.routePrefix !== 'string' || !/^[A-Za-z0-9/_-]*$/.test(extras.routePrefix))) {
    throw new TokenAuthConfigError('routePrefix', 'a path such as "auth", or false', extras.routePrefix);
  }
  const entity = tokenEntity(extras.tableName);
  const providers: Provider[] = [
    { provide: TOKEN_AUTH_OPTIONS, useFactory: (raw: TokenAuthModuleOptions) => resolveTokenAuthOptions(raw, DECLARATION_KEYS), inject: [TOKEN_AUTH_MODULE_OPTIONS] },
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
      useFactory: (o: ResolvedTokenAuthOptions, ds: DataSource) => createTokenCache(o, ds),
      inject: [TOKEN_AUTH_OPTIONS, getDataSourceToken(extras.dataSource)],
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
    legacyTokensProvider(extras.dataSource),
    signatureThreadsProvider,
    dpopBindingProvider,
    TokenAuthEvents,
    TokenAuthService,
    TokenRotationService,
    TokenStandardsService,
    RequestAuthenticator,
    TokenAuthModeGuard,
    LoginThrottlerGuard,
    RefreshThrottlerGuard,
    TokenAuthSockets,
  ];
  if (extras.globalGuard) providers.push(TokenAuthGlobalGuard, { provide: APP_GUARD, useExisting: TokenAuthGlobalGuard });
  const passport = extras.passportStrategy ? passportParts() : null;
  if (passport) providers.push(passport.strategy);
  return {
    ...definition,
    global: extras.isGlobal,
    imports: [...(definition.imports ?? []), ...(passport ? [passport.module] : []), TypeOrmModule.forFeature([entity], extras.dataSource)],
    controllers: extras.routePrefix === false ? [] : [createTokenAuthController(extras.routePrefix), createKnoxUpgradeController(extras.routePrefix)],
    providers: [...(definition.providers ?? []), ...providers],
    exports: [...(definition.exports ?? []), TokenAuthService, TokenRotationService, TokenStandardsService, TokenPurgeService, TokenAuthSockets, TOKEN_AUTH_OPTIONS],
  };
}

/**
 * Loads `@nestjs/passport` and `passport-custom` only when the strategy is registered, so a host
 * using only `TokenAuthGuard` needs neither (`@nestjs/passport` 12 is an ES module, which a
 * CommonJS test runner such as Jest cannot load).
 */
function passportParts(): { module: Type<unknown>; strategy: Type<unknown> } {
  try {
    const { PassportModule } = require('@nestjs/passport') as typeof import('@nestjs/passport');
    const { TokenAuthStrategy } = require('./token-auth.strategy') as typeof import('./token-auth.strategy');
    return { module: PassportModule, strategy: TokenAuthStrategy };
  } catch (error) {
    throw TokenAuthConfigError.about(
      'passportStrategy',
      `the Passport strategy needs @nestjs/passport and passport-custom, which could not be loaded (${(error as Error)?.message ?? error}): ` +
        'install them, or pass passportStrategy: false to use TokenAuthGuard alone',
    );
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
