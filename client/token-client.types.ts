import { ErrorBody, InvalidGrantReason, InvalidTokenReason, SessionView } from '../lib/wire';
import { StorageLike } from './session-store';

/** Why the session ended: a server refusal reason (`reused` = compromised), `logout`, or an error code. */
export type LogoutReason = InvalidTokenReason | InvalidGrantReason | 'logout' | (string & {});

/** One refresh (rotate) or extension (extend) as it happened, for logs and status panels. */
export interface RefreshEvent {
  kind: 'refresh' | 'extend';
  status: number;
  /** The new expiry (epoch ms) after a success. */
  expiry: number | null;
  reason?: string;
  /** What set it off: the token was close to expiry with the user active, a 401 `expired` (or a token known dead), or a call of `refresh()`/`extend()`. */
  cause: 'ahead' | 'expired' | 'manual';
}

export interface TokenClientOptions {
  /** Origin (and path) of the API, e.g. `https://api.example.com` or `location.origin`. */
  baseUrl: string;
  mode: 'extend' | 'rotate';
  /** Default `'local'` (tabs share the session); in cookie mode it holds no token, only the user and expiry. */
  storage?: 'local' | 'session' | 'memory' | StorageLike;
  /** The server's cookie transport is on: `credentials: 'include'` plus the CSRF header, no token in storage. */
  cookies?: boolean;
  /** Called once when the session ends, with the reason. */
  onLogout?: (reason: LogoutReason) => void;
  /** Called after every refresh or extension. */
  onRefresh?: (event: RefreshEvent) => void;
  /** Route prefix of the auth routes (default `auth`). */
  prefix?: string;
  csrfHeader?: string;
  expiryHeader?: string;
  /** Refresh/extend this many ms before expiry when the user was active (default: a quarter of the token's life); `false`: never ahead. */
  ahead?: number | false;
  /** Storage key and lock name (default `nta`): two clients of one origin need two keys. */
  key?: string;
  /**
   * DPoP (RFC 9449): each login makes a new non-extractable P-256 key (kept in IndexedDB `<key>-dpop`,
   * shared by tabs and reloads; dropped at logout), and every request carries a proof by it, tokens
   * as `Authorization: DPoP`. With `cookies`, rotate mode only (the extend cookie cannot say DPoP).
   */
  dpop?: boolean;
  fetch?: typeof fetch;
}

/** A `fetch` that authenticates, refreshes and retries, with the session helpers a page needs. */
export interface TokenClient {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Logs in; rejects with a `TokenClientError` carrying the server's answer. */
  login<User = unknown>(username: string, password: string, extra?: { name?: string; scope?: string }): Promise<{ user: User; expiry: number | null; scope?: string }>;
  logout(): Promise<void>;
  logoutOthers(): Promise<void>;
  sessions(): Promise<SessionView[]>;
  revoke(sessionId: string): Promise<void>;
  /** Rotate mode: refreshes now (joining a refresh already under way); resolves whether it worked. */
  refresh(): Promise<boolean>;
  /** Extend mode: moves the expiry now; resolves whether it worked. */
  extend(): Promise<boolean>;
  /** What the client knows: whether a session is held, its user and expiry (no token). */
  state(): { loggedIn: boolean; user?: unknown; expiry: number | null };
  /** Stops timers and listeners. */
  close(): void;
}

/** A refused helper call: `status` and the server's `body` (`error`, `reason`, `retryAfter`...). */
export interface TokenClientError extends Error {
  status: number;
  body: Partial<ErrorBody>;
}
