import { randomBytes } from 'node:crypto';
import { DataSource, DataSourceOptions } from 'typeorm';

/** The databases the e2e suite can run on. */
export type DatabaseName = 'sqlite' | 'postgres' | 'mariadb';
const ALL: DatabaseName[] = ['sqlite', 'postgres', 'mariadb'];

/** Where PostgreSQL answers (`TEST_POSTGRES_URL`); the e2e suite makes its schemas and databases there. */
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Where MariaDB answers (`TEST_MARIADB_URL`, `mysql://user:password@host:port/database`). */
export const MARIADB_URL = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';
export const MARIADB = connectionParts(MARIADB_URL, 3306);

/** Host, port, credentials and database of a server URL, as TypeORM's separate options. */
function connectionParts(raw: string, defaultPort: number) {
  const url = new URL(raw);
  return {
    host: url.hostname,
    port: Number(url.port || defaultPort),
    username: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)) || 'test',
  };
}

/** The same server URL pointing at another database (for tests that start processes of their own). */
export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** `TEST_DATABASES=sqlite,postgres,mariadb` (or `all`) selects the matrix; the default is SQLite only. */
export function selectedDatabases(): DatabaseName[] {
  const raw = (process.env.TEST_DATABASES ?? 'sqlite').trim();
  if (raw === 'all') return ALL;
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !ALL.includes(n as DatabaseName));
  if (bad.length || names.length === 0) throw new Error(`TEST_DATABASES must list ${ALL.join(', ')} or "all" (got "${raw}")`);
  return names as DatabaseName[];
}

/** A private database for one test app: its own schema (PostgreSQL), database (MariaDB) or in-memory file (SQLite). */
export interface TestDatabase {
  name: DatabaseName;
  options: DataSourceOptions;
  drop(): Promise<void>;
}

export async function createTestDatabase(name: DatabaseName): Promise<TestDatabase> {
  const id = `nta_${process.pid}_${randomBytes(4).toString('hex')}`;
  if (name === 'sqlite') {
    return { name, options: { type: 'better-sqlite3', database: ':memory:' }, drop: async () => undefined };
  }
  if (name === 'postgres') {
    await admin({ type: 'postgres', url: POSTGRES_URL }, [`CREATE SCHEMA "${id}"`]);
    return {
      name,
      options: { type: 'postgres', url: POSTGRES_URL, schema: id, extra: { max: 20, options: `-c search_path=${id}` } },
      drop: () => admin({ type: 'postgres', url: POSTGRES_URL }, [`DROP SCHEMA IF EXISTS "${id}" CASCADE`]),
    };
  }
  await admin({ type: 'mysql', ...MARIADB }, [`CREATE DATABASE \`${id}\``]);
  return {
    name,
    options: { type: 'mariadb', ...MARIADB, database: id, extra: { connectionLimit: 20 } },
    drop: () => admin({ type: 'mysql', ...MARIADB }, [`DROP DATABASE IF EXISTS \`${id}\``]),
  };
}

/** Runs statements on a short-lived admin connection; throws (loudly) when the server is unreachable. */
export async function admin(options: DataSourceOptions, statements: string[]): Promise<void> {
  const ds = new DataSource(options);
  try {
    await ds.initialize();
  } catch (error) {
    throw new Error(`${options.type} is not reachable for the e2e suite: ${(error as Error).message}`);
  }
  try {
    for (const sql of statements) await ds.query(sql);
  } finally {
    await ds.destroy();
  }
}
