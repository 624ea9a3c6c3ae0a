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
  /** `postgres://...` to bench PostgreSQL; `null` = a temporary SQLite file. */
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
  const databaseUrl = env.BENCH_DATABASE_URL?.trim() || null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\/.+/.test(databaseUrl)) {
    throw new Error('BENCH_DATABASE_URL must be postgres://user@host:port/database');
  }
  return {
    quick,
    connections: positive(env, 'BENCH_CONNECTIONS', 32),
    rounds: positive(env, 'BENCH_ROUNDS', quick ? 1 : 9),
    duration: positive(env, 'BENCH_DURATION', quick ? 1 : 2),
    warmup: positive(env, 'BENCH_WARMUP', quick ? 0.5 : 2),
    liveTokens: 1000,
    tableRows: quick ? 10_000 : 100_000,
    scaleSizes: quick ? [5_000, 20_000, 50_000] : [10_000, 100_000, 1_000_000],
    databaseUrl,
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
