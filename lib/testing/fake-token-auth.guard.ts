import { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { IS_PUBLIC_KEY, REQUIRED_SCOPES_KEY, TOKEN_AUTH_REQUEST_KEY } from '../token-auth.constants';
import { InsufficientScopeException, MissingTokenException } from '../token-auth.exceptions';
import { AuthenticatedToken } from '../token-auth.service';
import { TokenInfo } from '../token-auth.views';
import { refusalIn, requestOf } from '../transports/transport';

/** The default challenge: the fake stands outside the module and cannot read its options. */
const FAKE_CHALLENGE = { realm: 'api', dpop: false } as const;

/** What the fake token of `fakeTokenAuthGuard` carries besides its user. */
export interface FakeTokenOptions {
  /** Scopes the fake token grants (`@RequireScopes` checks them). Default none. */
  scopes?: string[];
  /** The user's id in `session.userId`. Default `String(user.id)`. */
  userId?: string;
  /** Other `session` fields to set (`sessionId`, `name`, `expiresAt`, ...). */
  session?: Partial<TokenInfo>;
}

/**
 * A stand-in for `TokenAuthGuard` in tests, for `overrideGuard(TokenAuthGuard).useValue(...)`: every
 * request is authenticated as `user` (with `globalGuard: true` too). It fills what `@CurrentUser()`
 * and `@CurrentToken()` read, honours `@Public()`, and refuses missing `@RequireScopes` scopes with
 * the real 403. With `user` `null` it refuses every non-public route with the real 401.
 */
export class FakeTokenAuthGuard<User = unknown> implements CanActivate {
  private readonly reflector = new Reflector();
  private readonly sessionId = randomUUID();

  constructor(
    readonly user: User | null,
    private readonly options: FakeTokenOptions = {},
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    if (this.user === null) throw refusalIn(context, new MissingTokenException(), FAKE_CHALLENGE);
    const request = requestOf(context);
    const token = this.token();
    request.user = token.user;
    request[TOKEN_AUTH_REQUEST_KEY] = token;
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_SCOPES_KEY, targets);
    if (required?.length && !required.every((scope) => token.session.scopes.includes(scope))) throw refusalIn(context, new InsufficientScopeException(required), FAKE_CHALLENGE);
    return true;
  }

  /** A fresh token per request, so a handler changing it cannot leak into the next test. */
  private token(): AuthenticatedToken<User> {
    const now = Date.now();
    const id = (this.user as { id?: unknown } | null)?.id;
    const session: TokenInfo = {
      id: randomUUID(),
      sessionId: this.sessionId,
      userId: this.options.userId ?? String(id),
      kind: 'access',
      scopes: [...(this.options.scopes ?? [])],
      name: null,
      loginAt: now,
      createdAt: now,
      expiresAt: null,
      absoluteExpiresAt: null,
      lastUsedAt: null,
      ip: null,
      userAgent: null,
      dpopBound: false,
      ...this.options.session,
    };
    return { user: this.user as User, session, expiresAt: session.expiresAt };
  }
}

/** `overrideGuard(TokenAuthGuard).useValue(fakeTokenAuthGuard(user, { scopes }))`: see `FakeTokenAuthGuard`. */
export function fakeTokenAuthGuard<User>(user: User | null, options: FakeTokenOptions = {}): FakeTokenAuthGuard<User> {
  return new FakeTokenAuthGuard(user, options);
}
