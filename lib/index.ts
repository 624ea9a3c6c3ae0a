/** The dynamic module: `TokenAuthModule.forRoot()` / `forRootAsync()`. */
export { TokenAuthModule } from './token-auth.module';
/** Options fixed at declaration time (route prefix, table name, global guard, Passport strategy). */
export type { TokenAuthModuleExtras } from './token-auth.module-definition';
/** Module options and the option types they use. */
export type { TokenAuthModuleOptions, TokenAuthMode, RateLimit, ResolvedTokenAuthOptions } from './token-auth.options';
/** The cookie transport's options (`cookie`), given and resolved. */
export type { CookieOptions, ResolvedCookieOptions } from './token-auth.options';
/** The request `introspection.authorize` is given, and the introspection option itself. */
export type { TokenAuthHttpRequest, IntrospectionOptions } from './token-auth.options';
/** Thrown at boot when an option is invalid; its message names the option. */
export { TokenAuthConfigError } from './token-auth.options-validation';
/** What the host implements so the module can find users and check passwords. */
export type { TokenAuthUserProvider } from './token-auth.users';
/** Issues, authenticates and revokes tokens (no HTTP inside: usable from CLIs, gateways, tests). */
export { TokenAuthService } from './token-auth.service';
/** Result types of the service. */
export type { AuthenticatedToken, LoginResult } from './token-auth.service';
/** The public view of an authenticated token (`AuthenticatedToken.session`): no digest. */
export type { TokenInfo } from './token-auth.views';
/** What a login records about its session (`TokenAuthService.login(user, meta)`). */
export type { SessionMeta } from './token-issuer';
/** Token kinds, and a token split into its parts (`TokenAuthService.parseAccessToken`). */
export type { TokenKind, ParsedToken } from './token-format';
/** Rotate mode's refresh flow. */
export { TokenRotationService } from './token-rotation.service';
/** RFC 7009 revocation and RFC 7662 introspection. */
export { TokenStandardsService } from './token-standards.service';
/** The RFC 7662 answer of `POST /auth/introspect`. */
export type { IntrospectionResponse } from './token-standards.service';
/** Requires a valid token carrying every listed scope (403 `insufficient_scope` otherwise). */
export { RequireScopes } from './decorators/require-scopes.decorator';
/** Requires a valid access token. */
export { TokenAuthGuard } from './guards/token-auth.guard';
/** `@CurrentUser()` and `@CurrentToken()` parameter decorators. */
export { CurrentUser, CurrentToken } from './decorators/current-user.decorator';
/** Authenticates WebSocket connections (socket.io, ws, graphql-ws) and disconnects a revoked session's live sockets. */
export { TokenAuthSockets } from './transports/socket-sessions';
/** The request `TokenAuthGuard` reads in any context (for Passport's `getRequest` in GraphQL, gateways and microservices). */
export { requestOf as tokenAuthRequest } from './transports/transport';
/** What `tokenAuthRequest` returns: the credential headers, client address, and room for the user and token. */
export type { AuthRequest as TokenAuthRequest } from './transports/transport';
/** Opens a route when the guard is global. */
export { Public } from './decorators/public.decorator';
/** Token events (`token-auth.<type>` on @nestjs/event-emitter, or the `onEvent` option). */
export type { TokenAuthEvent, TokenAuthEventType } from './token-auth.events';
/** Response shapes of the token details and session list routes. */
export type { TokenDetails, SessionView } from './token-auth.views';
/** Typed refusals with stable `error` codes. */
export {
  TokenAuthException,
  MissingTokenException,
  InvalidTokenException,
  InvalidGrantException,
  InvalidCredentialsException,
  InvalidRequestException,
  InsufficientScopeException,
  TokenLimitExceededException,
  SessionNotFoundException,
  RouteNotEnabledException,
  RateLimitedException,
  TokenStoreUnavailableException,
  CsrfCheckFailedException,
  DuplicateCookieException,
} from './token-auth.exceptions';
/** Why a bearer token was refused, and the `WWW-Authenticate` challenge a refusal carries. */
export type { InvalidTokenReason, Challenge } from './token-auth.exceptions';
/** The token table's TypeORM entity (list it in `entities` when not using `autoLoadEntities`). */
export { tokenEntity, DEFAULT_TOKEN_TABLE } from './storage/token.entity';
/** A stored token row. */
export type { TokenRecord } from './storage/token.entity';
/** Cache invalidation across instances (`cache.invalidation`), e.g. over Redis pub/sub. */
export { redisCacheInvalidation } from './token-cache';
/** A cache invalidation channel, and the ioredis subset `redisCacheInvalidation` needs. */
export type { CacheInvalidationChannel, RedisPubSubClient } from './token-cache';
/** Deletes dead token rows (expired, long-revoked, spent rows of ended sessions); call it from a scheduled job. */
export { TokenPurgeService } from './token-purge.service';
/** The purge rules without Nest (what the `nest-token-auth-purge` CLI runs), with their options and result. */
export { TokenPurger, type PurgeOptions, type PurgeResult } from './storage/token.purger';
/** Every TypeORM migration of the token table, oldest first, for hosts running with `synchronize: false`. */
export { tokenTableMigrations } from './storage/token-table.migration';
/** The individual token-table migrations (0.1.0: create the table; 0.2.0: add the successor seal and DPoP binding columns). */
export {
  createTokenTableMigration,
  createSuccessorSealMigration,
  createDpopBindingMigration,
  type TokenTableMigrationOptions,
  type SuccessorSealMigrationOptions,
  type DpopBindingMigrationOptions,
} from './storage/token-table.migration';
/** DPoP (RFC 9449): the `dpop` option's types, its refusal and reasons, and replay stores (in memory; Redis for several instances). */
export type { DpopMode, DpopAlgorithm, DpopOptions, ResolvedDpopOptions } from './dpop/dpop.options';
/** A DPoP refusal (`invalid_dpop_proof`, `use_dpop_nonce`, or a binding's `invalid_token`) and its reasons. */
export { DpopRefusedException, type DpopRefusalReason, type DpopRefusalSite } from './dpop/dpop.exceptions';
/** The in-memory replay store (the default) and the store interface. */
export { MemoryDpopReplayStore, type DpopReplayStore } from './dpop/dpop-replay.store';
/** A Redis replay store, so a proof used on one instance is a replay on all (fails closed: 503). */
export { redisDpopReplayStore, type RedisSetClient, type RedisDpopReplayStoreOptions } from './dpop/redis-dpop-replay.store';
/** What a request presents for DPoP (proof, method, URI), as `TokenAuthService.login` and `TokenRotationService.refresh` take it. */
export type { DpopPresentation } from './dpop/dpop-request';
/** A time source; pass one as `clock` to control time in tests. */
export type { Clock } from './clock';
/** A server secret with its id, for `secrets`. */
export type { HashingSecret } from './token-hasher';
/** Injection helpers. */
export { InjectTokenAuthOptions, TOKEN_AUTH_OPTIONS, TOKEN_AUTH_STRATEGY } from './token-auth.constants';
/** The request property where `TokenAuthGuard` leaves the `AuthenticatedToken` (`@CurrentToken()` reads it). */
export { TOKEN_AUTH_REQUEST_KEY } from './token-auth.constants';
/** A Redis `ThrottlerStorage` for `throttle.storage`, shared by every instance (fails open by default). */
export { RedisThrottlerStorage, type RedisScriptClient, type RedisThrottlerStorageOptions } from './storage/redis-throttler.storage';
/** The module's login rate limit (`throttle.login`, per client IP) as a guard; get the module's instance with `ModuleRef.get(LoginThrottlerGuard, { strict: false })`. */
export { LoginThrottlerGuard } from './guards/token-auth-throttler.guard';
/** Test helpers: a fake guard, a real token for a user, an in-memory token database (also `nest-token-auth/testing`). */
export * from './testing';
/** Options of `legacy.knox`: accept tokens from an existing django-rest-knox table while clients move over. */
export type { KnoxOptions, KnoxHashAlgorithm, ResolvedKnoxOptions } from './legacy/knox/knox.options';
