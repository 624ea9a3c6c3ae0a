/**
 * The HTTP contract of the auth routes, shared by the server and the browser client
 * (`nest-token-auth/client`). It imports nothing, so the client bundles it without pulling in Nest.
 */

/** Why a bearer token was refused (401 `invalid_token`); clients act on it (`expired`: refresh now). */
export type InvalidTokenReason = 'expired' | 'revoked' | 'malformed' | 'unknown';

/** Why a refresh token was refused (400 `invalid_grant`); `reused` means the session was compromised and revoked. */
export type InvalidGrantReason = 'malformed' | 'unknown' | 'expired' | 'revoked' | 'reused';

/** Default response header carrying the token's current expiry (ISO-8601) on guarded routes. */
export const EXPIRY_HEADER = 'X-Token-Expiry';

/** Default header a cookie-authenticated state-changing request must carry (CSRF defence). */
export const CSRF_HEADER = 'X-Requested-With';

/** Default prefix of the auth routes. */
export const ROUTE_PREFIX = 'auth';

/** Body of every refusal: a stable `error` code, a `reason` for token and grant refusals, `retryAfter` on 429. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  reason?: InvalidTokenReason | InvalidGrantReason | string;
  message: string;
  retryAfter?: number;
}

/** Answer of `POST /auth/login` and `POST /auth/refresh`; with the cookie transport, the cookie's token is absent. */
export interface TokenResponse {
  token?: string;
  /** ISO-8601, or `null` for a token that never expires. */
  expiry: string | null;
  refreshToken?: string;
  refreshExpiry?: string | null;
  scope?: string;
}

/** Answer of `POST /auth/login`: the tokens and the user as the host's provider serialises it. */
export interface LoginResponse<User = unknown> extends TokenResponse {
  user: User;
}

/** Answer of `POST /auth/extend`. */
export interface ExpiryResponse {
  expiry: string | null;
}

/** One live session of a user, as `GET /auth/tokens` lists them. */
export interface SessionView {
  id: string;
  name: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiry: string | null;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
  /** Whether the session is bound to a DPoP key (the key itself is never shown). */
  dpopBound: boolean;
}
