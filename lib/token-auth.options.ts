import { Type } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { ThrottlerStorage } from '@nestjs/throttler';
import { Clock } from './clock';
import { CacheInvalidationChannel } from './token-cache';
import { HashingSecret } from './token-hasher';
import { TokenAuthEvent } from './token-auth.events';
import { TokenAuthUserProvider } from './token-auth.users';
import type { KnoxOptions, ResolvedKnoxOptions } from './legacy/knox/knox.options';
import { DpopMode, DpopOptions, ResolvedDpopOptions } from './dpop/dpop.options';

/** `extend`: one sliding token per login. `rotate`: short access token plus one-time refresh token. */
export type TokenAuthMode = 'extend' | 'rotate';

/** A rate limit: at most `limit` requests per `window` seconds. */
export interface RateLimit {
  limit: number;
  window: number;
}

/** The HttpOnly cookie transport (off unless given). */
export interface CookieOptions {
  /**
   * Cookie name. Default `__Secure-nta_refresh` (rotate; `__Host-` when the path is `/`) / `__Host-nta_token`
   * (extend); without the prefix when `secure` is `false`. A `__Host-` / `__Secure-` name must fit its prefix's rules.
   */
  name?: string;
  /** Cookie path. Default the auth route prefix (rotate: only auth routes see the refresh token) / `/` (extend). */
  path?: string;
  /** Send `Secure`. Default `true` (set `false` only for plain-HTTP local development). */
  secure?: boolean;
  /** `SameSite` attribute. Default `Strict`. */
  sameSite?: 'Strict' | 'Lax';
  /** Header that cookie-authenticated state-changing requests must carry. Default `X-Requested-With`. */
  csrfHeader?: string;
}

/** The cookie transport's options after defaults and validation. */
export interface ResolvedCookieOptions {
  /** `null`: the default, whose prefix the transport picks from the final path. */
  name: string | null;
  /** What the cookie holds: the token (extend) or the refresh token (rotate). */
  carries: 'token' | 'refresh';
  path: string | null;
  secure: boolean;
  sameSite: 'Strict' | 'Lax';
  csrfHeader: string;
}

/** The HTTP request `introspection.authorize` is given: an Express or Fastify request (narrowed to what both carry). */
export interface TokenAuthHttpRequest {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  /** The client address as the framework reports it (Express `trust proxy` applies). */
  ip?: string;
}

/** RFC 7662 introspection: `authorize` decides who may call `POST /auth/introspect`. */
export interface IntrospectionOptions {
  authorize(request: TokenAuthHttpRequest): boolean | Promise<boolean>;
}

/** Options of `TokenAuthModule.forRoot()` / `forRootAsync()`. Durations are in seconds. */
export interface TokenAuthModuleOptions {
  /** `extend` (sliding expiry) or `rotate` (refresh-token rotation). */
  mode: TokenAuthMode;
  /** Finds users and checks credentials: a provider class registered in the host app, or an instance. */
  users: Type<TokenAuthUserProvider> | TokenAuthUserProvider;
  /** Server secret(s) keying token digests: one string, or `[{ id, secret }]` with the current one first. */
  secrets: string | HashingSecret[];
  /** Accepted `Authorization` schemes, case-insensitive. Default `['Bearer', 'Token']`. */
  schemes?: string[];
  /** The `realm` in `WWW-Authenticate` challenges. Default `'api'`. */
  realm?: string;
  /** Token prefix, 1-16 letters or digits. Default `'ntk'`. */
  tokenPrefix?: string;
  /** Access-token lifetime; `null` = no expiry (extend only). Default 36000 (extend) / 900 (rotate). */
  ttl?: number | null;
  /** Rotate mode: a refresh token unused for this long dies. Default 30 days. */
  refreshTtl?: number;
  /** Throttle for expiry and last-used writes. Default 60. */
  minRefreshInterval?: number;
  /** Absolute cap from login, however often extended or rotated; `null` = none. Default none (extend) / 90 days (rotate). */
  maxLifetime?: number | null;
  /** Rotate mode: how long the immediate predecessor of a refresh token may be replayed. Default 10. */
  reuseGrace?: number;
  /** Most live sessions a user may hold; `null` = unlimited. Default `null`. */
  tokenLimitPerUser?: number | null;
  /**
   * Rate limits of the module's own routes; `false` disables one. Default login 10/60 s, refresh 30/60 s.
   * `ipv6Subnet`: IPv6 clients are counted per network of this many leading bits (1-128). Default 64.
   */
  throttle?: { login?: RateLimit | false; refresh?: RateLimit | false; storage?: ThrottlerStorage; ipv6Subnet?: number };
  /** Response header telling the client the token's current expiry; `false` to omit. Default `'X-Token-Expiry'`. */
  expiryHeader?: string | false;
  /** Time source (epoch ms). Default the system clock. */
  clock?: Clock;
  /** Called for every token event, in addition to `@nestjs/event-emitter` when the host has it. */
  onEvent?: (event: TokenAuthEvent) => void;
  /** Enables RFC 7662 `POST /auth/introspect`; `authorize` decides who may call it (given the HTTP request). Default off. */
  introspection?: IntrospectionOptions | false;
  /** Carry the refresh token (rotate) or the token (extend) in an HttpOnly cookie. Default off. */
  cookie?: CookieOptions | false;
  /**
   * In-process cache of verified access tokens and their users: `ttl` seconds (default 5), at most
   * `max` entries (default 10,000), optional `invalidation` channel across instances. Default: on
   * where revocations reach every instance at once (PostgreSQL's own LISTEN/NOTIFY, a given channel,
   * in-memory SQLite), off elsewhere; `false` turns it off.
   */
  cache?: { ttl?: number; max?: number; invalidation?: CacheInvalidationChannel } | false;
  /** Also accept tokens another system issued, while its clients move over: `{ knox: KnoxOptions }`. Default none. */
  legacy?: { knox?: KnoxOptions | false };
  /**
   * DPoP (RFC 9449) sender-constrained tokens: `'off'`, `'optional'`, `'required'`, or `DpopOptions`
   * for algorithms, proof window, server nonces, a shared replay store and the public origin. Default `'off'`.
   */
  dpop?: DpopMode | DpopOptions;
}

/** Options after defaults and validation; durations in milliseconds. */
export interface ResolvedTokenAuthOptions {
  mode: TokenAuthMode;
  users: Type<TokenAuthUserProvider> | TokenAuthUserProvider;
  secrets: HashingSecret[];
  schemes: Set<string>;
  realm: string;
  tokenPrefix: string;
  accessTtlMs: number | null;
  refreshTtlMs: number;
  minRefreshIntervalMs: number;
  maxLifetimeMs: number | null;
  reuseGraceMs: number;
  tokenLimitPerUser: number | null;
  loginLimit: RateLimit | false;
  refreshLimit: RateLimit | false;
  throttlerStorage?: ThrottlerStorage;
  ipv6Subnet: number;
  expiryHeader: string | false;
  clock: Clock;
  onEvent?: (event: TokenAuthEvent) => void;
  introspection: IntrospectionOptions | false;
  cookie: ResolvedCookieOptions | false;
  cache: { ttlMs: number; max: number; invalidation: CacheInvalidationChannel | null; /** Given by the host (not the default). */ explicit: boolean } | false;
  legacy: { knox: ResolvedKnoxOptions | false };
  dpop: ResolvedDpopOptions | false;
}
