import { HttpException, HttpStatus } from '@nestjs/common';
import { InvalidGrantReason, InvalidTokenReason } from './wire';

export type { InvalidGrantReason, InvalidTokenReason } from './wire';

/** Parameters of the RFC 6750 `WWW-Authenticate` challenge an exception carries. */
export interface Challenge {
  error?: string;
  description?: string;
  scope?: string;
  /** The scheme the error belongs to; default `Bearer` (`DPoP` for DPoP refusals, RFC 9449 section 7.1). */
  scheme?: 'Bearer' | 'DPoP';
}

/**
 * Base of every refusal the module makes. The body carries a stable `error` code and a message;
 * `challenge` (when set) becomes the `WWW-Authenticate` header; `headers` are further response headers.
 * Refusals are expected answers, not faults, so they skip the stack trace: capturing one through
 * Nest's async frames costs more than the whole check of a forged token.
 */
export abstract class TokenAuthException extends HttpException {
  protected constructor(
    status: number,
    body: Record<string, unknown>,
    readonly challenge: Challenge | null,
    readonly headers: Record<string, string> | null = null,
  ) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super({ statusCode: status, ...body }, status);
    Error.stackTraceLimit = limit;
  }
}

/** 401 without an error code: the request carried no credentials for this module. */
export class MissingTokenException extends TokenAuthException {
  constructor() {
    super(HttpStatus.UNAUTHORIZED, { error: 'unauthorized', message: 'Authentication credentials were not provided.' }, {});
  }
}

/** 401 `invalid_token`: malformed, unknown, revoked or expired bearer token. */
export class InvalidTokenException extends TokenAuthException {
  constructor(readonly reason: InvalidTokenReason, description: string) {
    super(HttpStatus.UNAUTHORIZED, { error: 'invalid_token', reason, message: description }, { error: 'invalid_token', description });
  }
}

/** 403 `insufficient_scope`: the token lacks a scope the route requires. */
export class InsufficientScopeException extends TokenAuthException {
  constructor(scopes: string[]) {
    const description = `This route requires the scope(s): ${scopes.join(' ')}.`;
    super(HttpStatus.FORBIDDEN, { error: 'insufficient_scope', scope: scopes.join(' '), message: description }, { error: 'insufficient_scope', description, scope: scopes.join(' ') });
  }
}

/** 400 `invalid_grant` (RFC 6749): the refresh token cannot be used. */
export class InvalidGrantException extends TokenAuthException {
  constructor(readonly reason: InvalidGrantReason, description: string) {
    super(HttpStatus.BAD_REQUEST, { error: 'invalid_grant', reason, error_description: description, message: description }, null);
  }
}

/** 401 on login with wrong credentials (or a caller refused by an authorisation callback). */
export class InvalidCredentialsException extends TokenAuthException {
  constructor(message = 'Invalid username or password.') {
    super(HttpStatus.UNAUTHORIZED, { error: 'invalid_credentials', message }, {});
  }
}

/** 400 `invalid_request`: a request body field is missing or wrong; `field` names it. */
export class InvalidRequestException extends TokenAuthException {
  constructor(field: string, message: string) {
    super(HttpStatus.BAD_REQUEST, { error: 'invalid_request', field, message }, null);
  }
}

/** 403: the user already holds the most live sessions allowed. */
export class TokenLimitExceededException extends TokenAuthException {
  constructor(limit: number) {
    super(HttpStatus.FORBIDDEN, { error: 'token_limit_exceeded', message: `Maximum number of live tokens per user (${limit}) reached. Log out a session first.` }, null);
  }
}

/** 404: no live session with this id belongs to the user. */
export class SessionNotFoundException extends TokenAuthException {
  constructor() {
    super(HttpStatus.NOT_FOUND, { error: 'not_found', message: 'No active session with this id belongs to you.' }, null);
  }
}

/** 404: a route of the other mode. */
export class RouteNotInModeException extends TokenAuthException {
  constructor(route: string, mode: string) {
    super(HttpStatus.NOT_FOUND, { error: 'not_found', message: `${route} is not available in ${mode} mode.` }, null);
  }
}

/** 403: a cookie-authenticated state-changing request lacks the anti-CSRF header. */
export class CsrfCheckFailedException extends TokenAuthException {
  constructor(header: string) {
    super(HttpStatus.FORBIDDEN, { error: 'csrf_check_failed', message: `Requests authenticated by cookie must send the ${header} header.` }, null);
  }
}

/**
 * 400 `invalid_request`: the module's cookie came more than once (another site of the domain may have
 * planted one); neither is used. Carries the RFC 6750 challenge when the cookie holds an access token.
 */
export class DuplicateCookieException extends TokenAuthException {
  constructor(name: string, challenge: boolean) {
    const description = `The request carries the ${name} cookie more than once; neither is used.`;
    super(HttpStatus.BAD_REQUEST, { error: 'invalid_request', reason: 'duplicate_cookie', message: description }, challenge ? { error: 'invalid_request', description } : null);
  }
}

/** 404: an optional route the host has not enabled. */
export class RouteNotEnabledException extends TokenAuthException {
  constructor(route: string, option: string) {
    super(HttpStatus.NOT_FOUND, { error: 'not_found', message: `${route} is not enabled; see ${option}.` }, null);
  }
}

/** 429: over one of the module's rate limits; `Retry-After` says when to come back. */
export class RateLimitedException extends TokenAuthException {
  constructor(retryAfterSeconds: number) {
    super(HttpStatus.TOO_MANY_REQUESTS, { error: 'rate_limited', retryAfter: retryAfterSeconds, message: `Too many requests; retry in ${retryAfterSeconds} s.` }, null);
  }
}

/** 503: the token store cannot be reached. An outage must never look like a logout (401). */
export class TokenStoreUnavailableException extends TokenAuthException {
  constructor() {
    super(HttpStatus.SERVICE_UNAVAILABLE, { error: 'temporarily_unavailable', message: 'Authentication is temporarily unavailable; try again shortly.' }, null);
  }
}
