import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ResolvedTokenAuthOptions, TokenAuthService, TokenRecord, tokenEntity } from '../lib';
import { BenchUser } from './bench-users';
import { BoundToken, DpopKey } from './dpop-proofs';

/** Marks the rows of the live tokens, so fixtures can find them among the filler. */
const LIVE_NAME = 'bench-live';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DAY = 86_400_000;

/** The plain tokens of the live sessions. */
export interface LiveTokens {
  access: string[];
  /** Rotate mode only. */
  refresh: string[];
}

/**
 * Logs every user in through the package itself, so live rows are exactly what it writes. With
 * refresh tokens, a second session per user feeds the refresh route, so rotating those sessions can
 * never touch the access tokens the GET route uses.
 */
export async function loginLiveTokens(auth: TokenAuthService, users: BenchUser[], withRefresh: boolean): Promise<LiveTokens> {
  const login = (user: BenchUser) => auth.login(user, { name: LIVE_NAME, ip: '127.0.0.1', userAgent: 'autocannon' });
  const live: LiveTokens = { access: [], refresh: [] };
  for (let i = 0; i < users.length; i += 25) {
    const batch = users.slice(i, i + 25);
    live.access.push(...(await Promise.all(batch.map(login))).map((result) => result.token));
    if (withRefresh) live.refresh.push(...(await Promise.all(batch.map(login))).map((result) => result.refreshToken as string));
  }
  return live;
}

/**
 * Logs `users` in through the package with a DPoP proof each (one P-256 key per user, as separate
 * clients would hold), so every session is bound to its key. `loginUrl` is the login route's URI.
 */
export async function loginDpopTokens(auth: TokenAuthService, users: BenchUser[], loginUrl: string): Promise<BoundToken[]> {
  const bound: BoundToken[] = [];
  for (let i = 0; i < users.length; i += 25) {
    const logins = users.slice(i, i + 25).map(async (user) => {
      const key = DpopKey.generate();
      const proof = key.proof('POST', loginUrl);
      const result = await auth.login(user, { name: LIVE_NAME, ip: '127.0.0.1', userAgent: 'autocannon' }, { dpopScheme: false, proof, method: 'POST', url: loginUrl });
      return { token: result.token, key: key.toJwk() };
    });
    bound.push(...(await Promise.all(logins)));
  }
  return bound;
}

/** A token of the right format whose checksum no longer matches (one secret character changed). */
export function forgeToken(token: string): string {
  const at = token.length - 6 - 10;
  const swapped = BASE62[(BASE62.indexOf(token[at]) + 1) % BASE62.length];
  return token.slice(0, at) + swapped + token.slice(at + 1);
}

/**
 * Runs the seeding with SQLite's fsync off (restored afterwards): on a slow disk every login is
 * otherwise one synced commit, and nothing seeded needs to survive a crash.
 */
export async function withoutSync<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  if (dataSource.options.type !== 'better-sqlite3') return work();
  const [{ synchronous }] = await dataSource.query('PRAGMA synchronous');
  await dataSource.query('PRAGMA synchronous = OFF');
  try {
    return await work();
  } finally {
    await dataSource.query(`PRAGMA synchronous = ${Number(synchronous)}`);
  }
}

/**
 * Adds filler rows (random key ids, same shape as real rows) until the table holds `total` rows.
 * Multi-row INSERTs inside large transactions (one statement per 500-1000 rows, one commit per 100k).
 */
export async function fillTokenTable(dataSource: DataSource, total: number, rotate: boolean): Promise<number> {
  const metadata = dataSource.getMetadata(tokenEntity());
  const table = dataSource.driver.escape(metadata.tableName);
  const columns = metadata.columns.map((column) => ({ property: column.propertyName as keyof TokenRecord, name: dataSource.driver.escape(column.databaseName) }));
  const postgres = dataSource.options.type === 'postgres';
  // Stay under the bound-parameter limits (SQLite 32766, PostgreSQL 65535).
  const perStatement = postgres ? 1000 : 500;
  const perTransaction = 100_000;
  let missing = total - (await countRows(dataSource, table));
  while (missing > 0) {
    const inTransaction = Math.min(missing, perTransaction);
    await dataSource.transaction(async (manager) => {
      for (let done = 0; done < inTransaction; done += perStatement) {
        const rows = fillerRows(Math.min(perStatement, inTransaction - done), rotate);
        const params: unknown[] = [];
        const tuples = rows.map((row) => `(${columns.map((column) => (params.push(row[column.property]), postgres ? `$${params.length}` : '?')).join(', ')})`);
        await manager.query(`INSERT INTO ${table} (${columns.map((c) => c.name).join(', ')}) VALUES ${tuples.join(', ')}`, params);
      }
    });
    missing -= inTransaction;
  }
  return countRows(dataSource, table);
}

/**
 * Puts the live access tokens in a known state before a measured window: `fresh` = just used (no
 * write is due for `minRefreshInterval`), `due` = every token owes one write (touch, and slide in
 * extend mode) on its next use.
 */
export async function setLiveTokenState(dataSource: DataSource, options: ResolvedTokenAuthOptions, state: 'fresh' | 'due'): Promise<void> {
  const metadata = dataSource.getMetadata(tokenEntity());
  const column = (property: keyof TokenRecord) => dataSource.driver.escape(metadata.findColumnWithPropertyName(property)!.databaseName);
  const now = Date.now();
  const back = state === 'due' ? 2 * options.minRefreshIntervalMs + 1000 : 0;
  const values = new Map([[column('lastUsedAt'), now - back]]);
  if (options.mode === 'extend' && options.accessTtlMs !== null) values.set(column('expiresAt'), now + options.accessTtlMs - back);
  const params: unknown[] = [];
  const slot = (value: unknown) => (params.push(value), dataSource.options.type === 'postgres' ? `$${params.length}` : '?');
  const set = [...values].map(([name, value]) => `${name} = ${slot(value)}`).join(', ');
  const table = dataSource.driver.escape(metadata.tableName);
  await dataSource.query(`UPDATE ${table} SET ${set} WHERE ${column('name')} = ${slot(LIVE_NAME)} AND ${column('kind')} = ${slot('access')}`, params);
}

async function countRows(dataSource: DataSource, table: string): Promise<number> {
  const [row] = await dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(row.n);
}

/** Rows as a year of logins would leave them: mostly expired or idle sessions of many users. */
function fillerRows(count: number, rotate: boolean): TokenRecord[] {
  const random = randomBytes(count * 48);
  const now = Date.now();
  const rows: TokenRecord[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = random.subarray(i * 48, i * 48 + 48);
    const createdAt = now - (bytes.readUInt32BE(44) % 365) * DAY;
    const kind = rotate && i % 2 === 1 ? 'refresh' : 'access';
    rows.push({
      id: randomUUID(),
      keyId: base62(bytes.subarray(0, 12)),
      digest: bytes.subarray(12, 44).toString('hex'),
      hashKeyId: 'k1',
      userId: `filler-${bytes.readUInt16BE(44)}`,
      kind,
      familyId: randomUUID(),
      parentId: null,
      loginAt: createdAt,
      createdAt,
      expiresAt: createdAt + (kind === 'refresh' ? 30 * DAY : rotate ? 900_000 : 36_000_000),
      absoluteExpiresAt: rotate ? createdAt + 90 * DAY : null,
      lastUsedAt: createdAt + 60_000,
      spentAt: null,
      successorSeal: null,
      revokedAt: null,
      revokedReason: null,
      name: null,
      ip: `198.51.100.${bytes[46]}`,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) bench-filler',
      scopes: null,
      dpopJkt: null,
    });
  }
  return rows;
}

function base62(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += BASE62[byte % 62];
  return out;
}
