import { TokenRecord } from './storage/token.entity';
import { TokenKind } from './token-format';
import { SessionView } from './wire';

/**
 * The public view of an authenticated token (`AuthenticatedToken.session`): what a controller may
 * read or return. The stored digest and hashing key id stay inside the module.
 */
export interface TokenInfo {
  /** The token's own row id. */
  id: string;
  /** The session id: the token family, stable across rotations (`DELETE /auth/tokens/:id`). */
  sessionId: string;
  /** The user's id as stored with the token. */
  userId: string;
  kind: TokenKind;
  /** Granted scopes. */
  scopes: string[];
  /** The name given at login, if any. */
  name: string | null;
  /** When the session's login happened (epoch ms). */
  loginAt: number;
  /** When this token was issued (epoch ms). */
  createdAt: number;
  /** When the token stops working (epoch ms), absolute cap included; `null` = never. */
  expiresAt: number | null;
  /** The session's absolute cap (epoch ms); `null` = none. */
  absoluteExpiresAt: number | null;
  lastUsedAt: number | null;
  /** Client IP and User-Agent recorded at login. */
  ip: string | null;
  userAgent: string | null;
  /** Whether the session is bound to a DPoP key (RFC 9449); the key itself is never shown. */
  dpopBound: boolean;
}

/** Details of one token, as `GET /auth/token` returns them. */
export interface TokenDetails {
  /** The session id (stable across rotations; use it with `DELETE /auth/tokens/:id`). */
  id: string;
  kind: 'access' | 'refresh';
  name: string | null;
  createdAt: string;
  issuedAt: string;
  expiry: string | null;
  absoluteExpiry: string | null;
  lastUsedAt: string | null;
  scopes: string[];
  /** Whether the session is bound to a DPoP key. */
  dpopBound: boolean;
}

export type { SessionView } from './wire';

/** ISO-8601 UTC, or `null`. */
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The public view of a stored row; `expiresAt` is its effective expiry. */
export function tokenInfoOf(row: TokenRecord, expiresAt: number | null): TokenInfo {
  return {
    id: row.id,
    sessionId: row.familyId,
    userId: row.userId,
    kind: row.kind,
    scopes: row.scopes ? row.scopes.split(' ') : [],
    name: row.name,
    loginAt: row.loginAt,
    createdAt: row.createdAt,
    expiresAt,
    absoluteExpiresAt: row.absoluteExpiresAt,
    lastUsedAt: row.lastUsedAt,
    ip: row.ip,
    userAgent: row.userAgent,
    dpopBound: row.dpopJkt != null,
  };
}

export function detailsOf(info: TokenInfo): TokenDetails {
  return {
    id: info.sessionId,
    kind: info.kind,
    name: info.name,
    createdAt: iso(info.loginAt) as string,
    issuedAt: iso(info.createdAt) as string,
    expiry: iso(info.expiresAt),
    absoluteExpiry: iso(info.absoluteExpiresAt),
    lastUsedAt: iso(info.lastUsedAt),
    scopes: [...info.scopes],
    dpopBound: info.dpopBound,
  };
}

/** Groups a user's live rows into sessions (one per family), newest login first. */
export function sessionsOf(rows: TokenRecord[], currentFamilyId: string | null, expiryOf: (row: TokenRecord) => number | null): SessionView[] {
  const families = new Map<string, TokenRecord[]>();
  for (const row of rows) families.set(row.familyId, [...(families.get(row.familyId) ?? []), row]);
  return [...families.values()]
    .map((members) => {
      const first = members[0];
      const expiries = members.map(expiryOf);
      const lastUsed = members.map((m) => m.lastUsedAt).filter((t): t is number => t !== null);
      return {
        id: first.familyId,
        name: first.name,
        createdAt: iso(first.loginAt) as string,
        lastUsedAt: iso(lastUsed.length ? Math.max(...lastUsed) : null),
        expiry: expiries.includes(null) ? null : iso(Math.max(...(expiries as number[]))),
        ip: first.ip,
        userAgent: first.userAgent,
        current: first.familyId === currentFamilyId,
        dpopBound: first.dpopJkt != null,
        loginAt: first.loginAt,
      };
    })
    .sort((a, b) => b.loginAt - a.loginAt)
    .map(({ loginAt, ...view }) => view);
}
