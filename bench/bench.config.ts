/** Settings of one benchmark run, read once from the environment. */
export interface BenchConfig {
  quick: boolean;
  connections: number;
  rounds: number;
  /** Seconds per measured window. */
  duration: number;
  /** Seconds per route in the discarded warm-up round. */
  warmup: number;
  /** Distinct valid tokens rotated through the requests (one login each). */
  liveTokens: number;
  /** Rows in each main app's token table, live tokens included. */
  tableRows: number;
  /** Table sizes of the scale run. */
  scaleSizes: number[];
  /**
   * The databases benched one after the other (BENCH_DATABASES=sqlite,postgres); by default SQLite,
   * plus PostgreSQL when it answers at BENCH_DATABASE_URL (default the local test server).
   */
  databases: ('sqlite' | 'postgres')[];
  /** Whether BENCH_DATABASES was given (otherwise PostgreSQL is benched only if it answers). */
  databasesGiven: boolean;
  /** `postgres://...` of the server PostgreSQL runs are made on (a database is created and dropped there). */
  postgresUrl: string;
  /** The database of the current pass: `postgres://...`, or `null` = a temporary SQLite file. */
  databaseUrl: string | null;
  /** SQLite in WAL mode, as the README recommends (BENCH_SQLITE_WAL=0 for TypeORM's default rollback journal). */
  sqliteWal: boolean;
  /**
   * SQLite checkpoints on a worker thread, as the sample app does (BENCH_SQLITE_CHECKPOINT_WORKER=0: SQLite's
   * default, a checkpoint inside the commit that crosses 1,000 WAL pages).
   */
  sqliteCheckpointWorker: boolean;
  /** Only these route keys (comma list in BENCH_ROUTES); `null` = all. */
  routes: Set<string> | null;
  /** Directory for `--cpu-prof` output of the server processes, or `null`. */
  cpuProfileDir: string | null;
}

/** Reads BENCH_* variables; BENCH_QUICK=1 shrinks everything for a smoke check. */
export function readBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const postgresUrl = env.BENCH_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/test';
  if (!/^postgres(ql)?:\/\/.+/.test(postgresUrl)) throw new Error('BENCH_DATABASE_URL must be postgres://user@host:port/database');
  const databases = (env.BENCH_DATABASES?.trim() || 'sqlite,postgres').split(',').map((d) => d.trim());
  const unknown = databases.filter((d) => d !== 'sqlite' && d !== 'postgres');
  if (unknown.length || !databases.length) throw new Error(`BENCH_DATABASES must list sqlite and/or postgres (got "${env.BENCH_DATABASES}")`);
  return {
    quick,
    connections: positive(env, 'BENCH_CONNECTIONS', 32),
    rounds: positive(env, 'BENCH_ROUNDS', quick ? 1 : 9),
    duration: positive(env, 'BENCH_DURATION', quick ? 1 : 2),
    warmup: positive(env, 'BENCH_WARMUP', quick ? 0.5 : 2),
    liveTokens: 1000,
    tableRows: quick ? 10_000 : 100_000,
    scaleSizes: quick ? [5_000, 20_000, 50_000] : [10_000, 100_000, 1_000_000],
    databases: databases as ('sqlite' | 'postgres')[],
    databasesGiven: Boolean(env.BENCH_DATABASES?.trim()),
    postgresUrl,
    databaseUrl: null,
    sqliteWal: env.BENCH_SQLITE_WAL !== '0' && env.BENCH_SQLITE_WAL !== 'false',
    sqliteCheckpointWorker: env.BENCH_SQLITE_CHECKPOINT_WORKER !== '0' && env.BENCH_SQLITE_CHECKPOINT_WORKER !== 'false',
    routes: env.BENCH_ROUTES ? new Set(env.BENCH_ROUTES.split(',').map((r) => r.trim())) : null,
    cpuProfileDir: env.BENCH_CPU_PROF?.trim() || null,
  };
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`);
  return value;
}
