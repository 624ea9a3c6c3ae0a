import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AddressInfo } from 'node:net';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ResolvedTokenAuthOptions, TOKEN_AUTH_OPTIONS, TokenAuthService } from '../lib';
import { DatabaseSpec } from './bench-database';
import { SqliteCheckpointer } from '../sample-app/sqlite-checkpointer';
import { BenchModule } from './bench.module';
import { BenchUsers } from './bench-users';
import { serveCommands } from './ipc';
import { signJwt } from './jwt.strategies';
import { WindowProfiler } from './profiler';
import { QueryCounter } from './query-counter';
import { type AppSpec, DPOP_SESSIONS } from './routes';
import { BoundToken } from './dpop-proofs';
import { fillTokenTable, forgeToken, loginDpopTokens, loginLiveTokens, setLiveTokenState, withoutSync } from './seed';

/** The tokens a load process rotates through, per route kind. */
export interface TokenPools {
  access: string[];
  refresh: string[];
  jwt: string[];
  forged: string[];
}

/** What seeding returns: the pools and the row count reached. */
export interface SeedResult extends TokenPools {
  dpop: BoundToken[];
  rows: number;
}

export interface ServerReady {
  port: number;
  /** The database settings that decide write cost (journal and sync modes). */
  settings: string;
}

/**
 * A bench app process (one token mode). The orchestrator drives it over IPC: seed, set token
 * state, read the query counts of a window. Nest's logger is off, so no request is logged.
 */
async function main(): Promise<void> {
  const spec = JSON.parse(process.env.BENCH_APP as string) as AppSpec;
  const mode = spec.mode;
  const database = JSON.parse(process.env.BENCH_DB as string) as DatabaseSpec;
  const counter = new QueryCounter();
  const app = await NestFactory.create(BenchModule.forApp(spec, database, counter), { logger: false });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  app.getHttpServer().on('request', () => counter.request());
  const dataSource = app.get<DataSource>(getDataSourceToken());
  const checkpointer = database.type === 'better-sqlite3' && database.checkpointWorker ? SqliteCheckpointer.for(dataSource) : null;
  const options = app.get<ResolvedTokenAuthOptions>(TOKEN_AUTH_OPTIONS, { strict: false });
  const auth = app.get(TokenAuthService, { strict: false });
  const users = app.get(BenchUsers).all();
  // CPU per request is steadier than req/s on a VM whose throughput drifts: steal time is not counted.
  let cpuMark = process.cpuUsage();
  const profiler = process.env.BENCH_CPU_PROF ? new WindowProfiler(process.env.BENCH_CPU_PROF) : null;

  serveCommands(
    {
      seed: ({ rows }: { rows: number }): Promise<SeedResult> =>
        withoutSync(dataSource, async () => {
          const live = await loginLiveTokens(auth, users, mode === 'rotate');
          const dpop = spec.dpop ? await loginDpopTokens(auth, users.slice(0, DPOP_SESSIONS), `http://127.0.0.1:${port}/auth/login`) : [];
          const total = await fillTokenTable(dataSource, rows, mode === 'rotate');
          return { ...live, jwt: users.map((user) => signJwt(user.id)), forged: live.access.map(forgeToken), dpop, rows: total };
        }),
      tokenState: (state: 'fresh' | 'due') => setLiveTokenState(dataSource, options, state),
      // The heap still in use after a full collection (bytes): what a leak would grow.
      liveHeap: () => {
        (globalThis as { gc?: () => void }).gc?.();
        return process.memoryUsage().heapUsed;
      },
      counts: async ({ reset, settle }: { reset: boolean; settle?: boolean }) => {
        if (settle) await quiet(counter);
        const cpu = process.cpuUsage(cpuMark);
        if (reset) cpuMark = process.cpuUsage();
        return { ...counter.read(reset), cpuMicros: cpu.user + cpu.system };
      },
      profileStart: () => profiler?.start(),
      profileStop: (name: string) => profiler?.stop(name),
      close: async () => {
        await checkpointer?.stop();
        await app.close();
        setImmediate(() => process.exit(0));
      },
    },
    { port, settings: await settingsOf(dataSource, checkpointer !== null) } satisfies ServerReady,
  );
}

/**
 * Waits until no statement has been sent for a while: requests still in flight when the load
 * stopped (on SQLite, writes queued behind an fsync) must count in their own window, not the next.
 */
async function quiet(counter: QueryCounter): Promise<void> {
  const total = () => {
    const { selects, writes, transactions, other } = counter.read();
    return selects + writes + transactions + other;
  };
  let last = total();
  for (let still = 0, waited = 0; still < 3 && waited < 30_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = total();
    still = now === last ? still + 1 : 0;
    last = now;
  }
}

async function settingsOf(dataSource: DataSource, checkpointing: boolean): Promise<string> {
  if (dataSource.options.type === 'postgres') {
    const [row] = await dataSource.query("SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS s");
    return `PostgreSQL ${row.v}, synchronous_commit=${row.s}`;
  }
  const [journal] = await dataSource.query('PRAGMA journal_mode');
  const [sync] = await dataSource.query('PRAGMA synchronous');
  const [checkpoint] = await dataSource.query('PRAGMA wal_autocheckpoint');
  const worker = checkpointing ? ', checkpoints on a worker thread every 500 ms' : '';
  return `SQLite journal_mode=${journal.journal_mode}, synchronous=${['off', 'normal', 'full', 'extra'][sync.synchronous] ?? sync.synchronous}, wal_autocheckpoint=${checkpoint.wal_autocheckpoint}${worker}`;
}

main().catch((error) => {
  process.stderr.write(`[bench server] ${error?.stack ?? error}\n`);
  process.exit(1);
});
