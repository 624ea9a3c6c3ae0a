import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { prepareForCheckpointer } from '../sample-app/sqlite-checkpointer';

/** Where one bench app keeps its tokens; serialisable, so it can be handed to a server process. */
export type DatabaseSpec =
  | { type: 'better-sqlite3'; database: string; enableWAL: boolean; checkpointWorker: boolean }
  | { type: 'postgres'; url: string };

/** TypeORM options for a spec; with the checkpoint worker, SQLite gets the sample app's far commit-time mark. */
export function typeormOptionsOf(spec: DatabaseSpec) {
  if (spec.type === 'postgres') return spec;
  const { checkpointWorker, ...options } = spec;
  if (!checkpointWorker) return options;
  return { ...options, prepareDatabase: prepareForCheckpointer };
}

/** A database created for the bench alone, dropped by `drop()`. */
export interface BenchDatabase {
  spec: DatabaseSpec;
  /** What the report prints (never a password). */
  description: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one bench app: a file in a new temp directory for SQLite, or a new
 * database on the given PostgreSQL server, so nothing that already exists is ever touched.
 */
export async function createBenchDatabase(label: string, postgresUrl: string | null, sqliteWal = false, checkpointWorker = false): Promise<BenchDatabase> {
  if (postgresUrl === null) {
    const dir = mkdtempSync(join(tmpdir(), `nta-bench-${label}-`));
    const file = join(dir, 'tokens.sqlite');
    return { spec: { type: 'better-sqlite3', database: file, enableWAL: sqliteWal, checkpointWorker }, description: `SQLite ${file}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `nta_bench_${process.pid}_${label}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  await admin(postgresUrl, `CREATE DATABASE ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    spec: { type: 'postgres', url: url.toString() },
    description: `PostgreSQL ${url.host}/${name}`,
    drop: () => admin(postgresUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Runs one statement on the server's own database (CREATE/DROP DATABASE cannot run inside the target). */
async function admin(url: string, sql: string): Promise<void> {
  const connection = await new DataSource({ type: 'postgres', url }).initialize();
  try {
    await connection.query(sql);
  } finally {
    await connection.destroy();
  }
}
