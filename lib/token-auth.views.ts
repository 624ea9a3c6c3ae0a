import { TokenRecord } from './storage/token.entity';

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
}

/** ISO-8601 UTC, or `null`. */
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function detailsOf(row: TokenRecord, expiresAt: number | null): TokenDetails {
  return {
    id: row.familyId,
    kind: row.kind,
    name: row.name,
    createdAt: iso(row.loginAt) as string,
    issuedAt: iso(row.createdAt) as string,
    expiry: iso(expiresAt),
    absoluteExpiry: iso(row.absoluteExpiresAt),
    lastUsedAt: iso(row.lastUsedAt),
    scopes: row.scopes ? row.scopes.split(' ') : [],
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
        loginAt: first.loginAt,
      };
    })
    .sort((a, b) => b.loginAt - a.loginAt)
    .map(({ loginAt, ...view }) => view);
}
