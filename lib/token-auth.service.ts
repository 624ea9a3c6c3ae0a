import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ExpiryPolicy } from './expiry-policy';
import { InjectTokenAuthOptions } from './token-auth.constants';
import { TokenAuthEvents } from './token-auth.events.service';
import {
  InvalidCredentialsException,
  InvalidTokenException,
  SessionNotFoundException,
  TokenLimitExceededException,
  TokenStoreUnavailableException,
} from './token-auth.exceptions';
import { ResolvedTokenAuthOptions } from './token-auth.options';
import { TokenAuthUserProvider, userIdOf } from './token-auth.users';
import { SessionView, TokenDetails, TokenInfo, detailsOf, sessionsOf, tokenInfoOf } from './token-auth.views';
import { TokenLookup } from './token-lookup';
import { ParsedToken } from './token-format';
import { Issued, SessionMeta, TokenIssuer } from './token-issuer';
import { grantScopes } from './token-scopes';
import { TokenCache } from './token-cache';
import { TokenRecord } from './storage/token.entity';
import { TokenStore } from './storage/token.store';
import { LEGACY_TOKENS, LegacyTokens } from './legacy/legacy-tokens';
import { boundTokenWithoutProof, DpopBinding } from './dpop/dpop-binding';
import { DpopPresentation } from './dpop/dpop-request';

/** A successfully authenticated access token, as `@CurrentToken()` and `authenticate()` give it. */
export interface AuthenticatedToken<User = unknown> {
  /** The user the token belongs to, as the user provider's `findById` returned it. */
  user: User;
  /** The token's public details (safe to return to a client: no digest, no hashing key id). */
  session: TokenInfo;
  /** When the token stops working (epoch ms), after any sliding write; `null` = never. */
  expiresAt: number | null;
}

// The stored row of each authenticated token, kept off the object handed to controllers so that
// returning `@CurrentToken()` cannot leak the digest.
const rows = new WeakMap<AuthenticatedToken, TokenRecord>();

/** The stored row behind a token `TokenAuthService.authenticate` returned (module-internal). */
export function recordOf(auth: AuthenticatedToken): TokenRecord {
  const record = rows.get(auth);
  if (!record) throw new Error('TokenAuthService: this AuthenticatedToken was not returned by authenticate() (a test double?)');
  return record;
}

/** What a login hands to the client. */
export interface LoginResult {
  sessionId: string;
  token: string;
  expiresAt: number | null;
  refreshToken?: string;
  refreshExpiresAt?: number | null;
  /** Granted scopes. */
  scopes: string[];
}

/**
 * Issues, authenticates and revokes tokens. Knows nothing of HTTP, so a controller, a CLI,
 * a gateway or a test can all use it.
 */
@Injectable()
export class TokenAuthService implements OnModuleInit {
  private readonly logger = new Logger('TokenAuth');
  private users: TokenAuthUserProvider;

  constructor(
    @InjectTokenAuthOptions() private readonly options: ResolvedTokenAuthOptions,
    private readonly store: TokenStore,
    private readonly lookup: TokenLookup,
    private readonly policy: ExpiryPolicy,
    private readonly issuer: TokenIssuer,
    private readonly events: TokenAuthEvents,
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(TokenCache) private readonly cache: TokenCache | null,
    @Optional() @Inject(DpopBinding) private readonly dpop: DpopBinding | null,
    @Optional() @Inject(LEGACY_TOKENS) private readonly legacy: LegacyTokens | null = null,
  ) {}

  async onModuleInit(): Promise<void> {
    const users = this.options.users;
    if (typeof users !== 'function') {
      this.users = users;
      return;
    }
    try {
      this.users = this.moduleRef.get(users, { strict: false });
    } catch {
      this.users = await this.moduleRef.create(users);
    }
  }

  /** The validated module options. */
  get settings(): ResolvedTokenAuthOptions {
    return this.options;
  }

  /** The user provider in use. */
  get userProvider(): TokenAuthUserProvider {
    return this.users;
  }

  /** Checks credentials through the host's user provider. */
  async verifyCredentials(username: string, password: string): Promise<unknown> {
    const user = await this.askUsers(() => this.users.verifyCredentials(username, password));
    if (!user) throw new InvalidCredentialsException();
    return user;
  }

  /** The scopes a login of `user` is granted (see `grantScopes`); none when the provider defines none. */
  async grantScopes(user: unknown, requested: string[] | null): Promise<string[]> {
    const provider = this.users;
    if (!provider.allowedScopes) return [];
    return grantScopes(requested, await this.askUsers(() => provider.allowedScopes!(user)));
  }

  /**
   * Starts a session for `user`; refuses when the user holds `tokenLimitPerUser` live sessions. With
   * DPoP on, `dpop` (the login request's proof) binds the session to its key, or is required.
   */
  async login(user: unknown, meta: SessionMeta = {}, dpop?: DpopPresentation): Promise<LoginResult> {
    const userId = userIdOf(this.users, user);
    if (this.dpop && dpop) meta = { ...meta, dpopJkt: await this.dpop.keyForLogin(userId, dpop) };
    const now = this.now();
    const issued = this.issuer.login(userId, meta, now);
    // Live legacy (knox) sessions count against the limit too.
    const limit = this.options.tokenLimitPerUser === null || !this.legacy ? this.options.tokenLimitPerUser : this.options.tokenLimitPerUser - (await this.legacy.liveCount(userId));
    if (limit !== null && limit < 1) throw new TokenLimitExceededException(this.options.tokenLimitPerUser as number);
    if (limit === null) {
      await this.store.insert(issued.rows);
    } else if (!(await this.store.insertWithinLimit(issued.rows, limit, this.sessionKind, now))) {
      throw new TokenLimitExceededException(this.options.tokenLimitPerUser as number);
    }
    this.events.emit('issued', userId, issued.rows[0].familyId);
    return resultOf(issued);
  }

  /**
   * Authenticates a bearer token: parse and checksum first (no I/O for garbage), then one indexed
   * lookup, a constant-time digest check, the expiry rules and, when due, one throttled write.
   */
  async authenticate(token: string): Promise<AuthenticatedToken> {
    if (this.acceptsLegacy(token)) return this.authenticateLegacy(token);
    return this.authenticateParsed(this.parseAccessToken(token));
  }

  /** Whether `token` has the shape of a legacy (knox) token the `legacy` option accepts (no I/O). */
  acceptsLegacy(token: string): boolean {
    return this.legacy !== null && this.legacy.accepts(token);
  }

  /** Authenticates a token of the legacy shape (`legacy` option) against its own table. */
  authenticateLegacy(token: string): Promise<AuthenticatedToken> {
    if (!this.legacy) throw new InvalidTokenException('malformed', 'The token is malformed.');
    return this.legacy.authenticate(token, (userId) => this.askUsers(() => this.users.findById(userId)));
  }

  /**
   * The first, synchronous half of `authenticate`: length, alphabet, checksum and kind, without I/O.
   * Throws `InvalidTokenException` (`malformed`); a guard calls it before creating any promise.
   */
  parseAccessToken(token: string): ParsedToken {
    const parsed = this.lookup.parse(token);
    if (!parsed) throw new InvalidTokenException('malformed', 'The token is malformed.');
    if (parsed.kind !== 'access') throw new InvalidTokenException('malformed', 'A refresh token cannot be used as a bearer token.');
    return parsed;
  }

  /**
   * The second half of `authenticate`, for a token `parseAccessToken` accepted. `token` and `dpop`
   * come from a request under DPoP (see `DpopBinding.checkAccess`); a bound token needs them.
   */
  async authenticateParsed(parsed: ParsedToken, token?: string, dpop?: DpopPresentation): Promise<AuthenticatedToken> {
    const cached = this.cache?.get(parsed.keyId);
    // Taken before the reads: an eviction arriving while they run keeps their result out of the cache.
    const mark = cached ? 0 : (this.cache?.mark() ?? 0);
    const record = cached ? this.lookup.check(parsed, cached.record) : await this.lookup.find(parsed);
    if (!record) throw new InvalidTokenException('unknown', 'The token is not known.');
    const now = this.now();
    if (record.revokedAt !== null) throw new InvalidTokenException('revoked', 'The token has been revoked.');
    if (this.policy.isExpired(record, now)) {
      this.events.emit('expired', record.userId, record.familyId);
      throw new InvalidTokenException('expired', 'The token has expired.');
    }
    // The one DPoP branch: bound tokens, and requests under DPoP; before any write, so a refused proof changes nothing.
    if (record.dpopJkt !== null || dpop !== undefined) await this.checkDpop(record, token, dpop);
    const user = cached ? cached.user : await this.askUsers(() => this.users.findById(record.userId));
    if (!user) throw new InvalidTokenException('revoked', "The token's user no longer exists.");
    if (!cached) this.cache?.set(parsed.keyId, record, user, mark);
    const decision = this.policy.onUse(record, now, this.options.mode === 'extend');
    if (decision.touch && (await this.store.recordUse(record.id, now, decision.slideTo))) {
      record.lastUsedAt = now;
      if (decision.slideTo !== null) {
        record.expiresAt = decision.slideTo;
        this.events.emit('extended', record.userId, record.familyId);
      }
    }
    const expiresAt = this.policy.effectiveExpiry(record);
    const auth: AuthenticatedToken = { user, session: tokenInfoOf(record, expiresAt), expiresAt };
    rows.set(auth, record);
    return auth;
  }

  /** Extend mode, on demand: moves the expiry to `now + ttl` (capped), ignoring the write throttle. */
  async extend(auth: AuthenticatedToken): Promise<number | null> {
    // A legacy token follows its own refresh rules, applied on use.
    if (this.legacy?.owns(auth.session.sessionId)) return auth.expiresAt;
    const record = recordOf(auth);
    const now = this.now();
    const target = this.policy.expiryFor('access', now, record.absoluteExpiresAt);
    if (target !== null && record.expiresAt !== null && target > record.expiresAt && (await this.store.recordUse(record.id, now, target))) {
      record.expiresAt = target;
      this.events.emit('extended', record.userId, record.familyId);
    }
    auth.session = tokenInfoOf(record, this.policy.effectiveExpiry(record));
    return (auth.expiresAt = auth.session.expiresAt);
  }

  /** Revokes the session (token family) of an authenticated token. */
  async logout(auth: AuthenticatedToken): Promise<void> {
    await this.revoke(auth.session.userId, auth.session.sessionId, 'logout');
  }

  /** Revokes one of the user's sessions by id; 404 when it is not a live session of theirs. */
  async revokeSession(userId: string, sessionId: string): Promise<void> {
    if (!(await this.revoke(userId, sessionId, 'revoked'))) throw new SessionNotFoundException();
  }

  /** Revokes every token of a user (for the host: password change, account lock). Returns rows revoked. */
  async revokeAllForUser(userId: string, reason = 'revoked', exceptSessionId?: string): Promise<number> {
    let count = await this.store.revokeUser(userId, this.now(), reason, exceptSessionId);
    if (this.legacy) count += await this.legacy.revokeUser(userId, exceptSessionId);
    if (count > 0) this.events.emit('revoked', userId, null, { reason, count });
    return count;
  }

  /** Drops a user cached with their tokens, on every instance (call it after changing the user's data). */
  async forgetUser(userId: string): Promise<void> {
    await this.cache?.evictUser(userId);
  }

  /** The user's live sessions; `currentSessionId` marks the caller's own. */
  async sessions(userId: string, currentSessionId: string | null): Promise<SessionView[]> {
    const rows = await this.store.liveRowsOfUser(userId, this.now());
    const native = sessionsOf(rows, currentSessionId, (row) => this.policy.effectiveExpiry(row));
    if (!this.legacy) return native;
    // ISO times sort as they read; the sort is stable, so native sessions keep their order.
    return [...native, ...(await this.legacy.sessions(userId, currentSessionId))].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  /** Details of an authenticated token. */
  details(auth: AuthenticatedToken): TokenDetails {
    return detailsOf(auth.session);
  }

  private async checkDpop(record: TokenRecord, token: string | undefined, dpop: DpopPresentation | undefined): Promise<void> {
    if (this.dpop && token !== undefined) return this.dpop.checkAccess(record, token, dpop);
    this.events.emit('dpop-proof-rejected', record.userId, record.familyId, { reason: 'dpop_bound' });
    throw boundTokenWithoutProof();
  }

  private async revoke(userId: string, sessionId: string, reason: string): Promise<boolean> {
    const count = this.legacy?.owns(sessionId)
      ? Number(await this.legacy.revokeSession(userId, sessionId))
      : await this.store.revokeFamily(sessionId, this.now(), reason, userId);
    if (count > 0) this.events.emit('revoked', userId, sessionId, { reason, count });
    return count > 0;
  }

  /** The row kind that stands for a session when counting against the limit. */
  private get sessionKind() {
    return this.options.mode === 'rotate' ? ('refresh' as const) : ('access' as const);
  }

  /**
   * Calls the host's user provider. Its failures are almost always the users database being down,
   * so they answer 503 like a token-store outage: never a 500, and never a 401 that looks like a logout.
   */
  private async askUsers<T>(call: () => Promise<T> | T): Promise<T> {
    try {
      return await call();
    } catch (error) {
      this.logger.error(`user provider failed: ${(error as Error)?.message ?? error}`);
      throw new TokenStoreUnavailableException();
    }
  }

  private now(): number {
    return this.options.clock.now();
  }
}

/** Maps issued tokens to a login result. */
export function resultOf(issued: Issued): LoginResult {
  const first = issued.rows[0];
  const result: LoginResult = {
    sessionId: first.familyId,
    token: issued.access.token,
    expiresAt: issued.access.expiresAt,
    scopes: first.scopes ? first.scopes.split(' ') : [],
  };
  if (issued.refresh) {
    result.refreshToken = issued.refresh.token;
    result.refreshExpiresAt = issued.refresh.expiresAt;
  }
  return result;
}
