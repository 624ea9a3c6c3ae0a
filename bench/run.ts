import { cpus, loadavg } from 'node:os';
import { databaseCpuMicros } from './database-cpu';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BenchConfig, readBenchConfig } from './bench.config';
import { BenchDatabase, createBenchDatabase } from './bench-database';
import { BenchChild } from './ipc';
import type { LoadResult, LoadRun } from './load';
import type { QueryCounts } from './query-counter';
import { int, mainTable, Sample, scaleTable, summarize, Summary, targetList } from './report';
import { appSpec, AppSpec, DPOP_SESSIONS, MAIN_ROUTES, PoolName, RouteSpec, sampleInstances, scaleApp, scaleRoutes } from './routes';
import { rssOf, startSampleApps } from './sample-apps';
import { DataSource } from 'typeorm';
import type { SeedResult, ServerReady } from './server';
import { checkTargets } from './targets';

/** A running bench app (one bench server, or sample-app processes) and its database. */
interface App {
  name: string;
  /** The bench server (`null` for sample apps, which count no statements). */
  child: BenchChild | null;
  ports: number[];
  pids: number[];
  database: BenchDatabase;
  /** Journal / sync settings the server reported. */
  settings: string;
  rows: number;
  seedSeconds: number;
  stop(): Promise<void>;
}

type Cleanups = (() => Promise<unknown>)[];

const POOLS: PoolName[] = ['access', 'refresh', 'jwt', 'forged'];

/**
 * Orchestrates the bench: app processes and a separate load process (so the load generator never
 * shares the server's event loop), interleaved rounds, then the scale run, then the report.
 */
async function main(): Promise<void> {
  const config = readBenchConfig();
  const started = performance.now();
  const cleanups: Cleanups = [];
  const stopAll = async () => {
    while (cleanups.length) await cleanups.pop()!().catch((error) => log(`cleanup failed: ${error?.message ?? error}`));
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    const databases = await databasesToRun(config);
    printHeader(config, databases);
    const { child: load } = await BenchChild.start('load', join(__dirname, 'load.js'), { ...process.env, NODE_ENV: 'production' });
    cleanups.push(() => load.stop());

    for (const [pass, database] of databases.entries()) {
      const passConfig = { ...config, databaseUrl: database === 'postgres' ? config.postgresUrl : null };
      const main = await phase(selected(MAIN_ROUTES, passConfig), () => config.tableRows, passConfig, load, cleanups);
      // The scale run seeds up to 1M rows: on the first database only, to keep the run under an hour.
      const rowsOf = (app: string) => config.scaleSizes.find((rows) => scaleApp(rows) === app) as number;
      const scale = pass === 0 ? await phase(selected(scaleRoutes(config.scaleSizes), passConfig), rowsOf, passConfig, load, cleanups) : { apps: [], summaries: [] };
      const steps = scale.apps.map((app) => ({ rows: app.rows, seedSeconds: app.seedSeconds, summaries: scale.summaries.filter((s) => s.route.app === app.name) }));

      const settings = main.apps.find((app) => app.child)?.settings;
      console.log(`\n# ${database === 'postgres' ? 'PostgreSQL' : 'SQLite'}\n`);
      console.log(`## Routes (median of ${config.rounds} round(s) × ${config.duration} s, ${config.connections} connections, ${int(config.tableRows)} token rows; ${settings})\n`);
      console.log(mainTable(main.summaries));
      printWrites(main.summaries, config.liveTokens);
      printDpop(main.summaries);
      if (steps.length) {
        console.log(`\n## Scale: extend read path, one app per table size, sizes interleaved (median of ${config.rounds} round(s) × ${config.duration} s)\n`);
        console.log(scaleTable(steps));
      }
      console.log('\n## Targets\n');
      console.log(targetList(checkTargets(main.summaries, steps, database)));
    }
    console.log(`\nTotal bench time ${((performance.now() - started) / 1000).toFixed(0)} s; ${loadAverage()} at the end.`);
  } finally {
    await stopAll();
  }
}

/** Starts the apps `routes` need (each seeded to `rowsOf(app)` rows), measures them interleaved, stops them. */
async function phase(routes: RouteSpec[], rowsOf: (app: string) => number, config: BenchConfig, load: BenchChild, cleanups: Cleanups) {
  const apps = new Map<string, App>();
  for (const name of new Set(routes.map((r) => r.app))) {
    const app = await startApp(name, appSpec(name), rowsOf(name), config, load, cleanups);
    apps.set(name, app);
    log(`${name} app: ${int(app.rows)} rows seeded in ${app.seedSeconds.toFixed(1)} s (${app.database.description})`);
  }
  const summaries = await measureRounds(routes, (route) => apps.get(route.app)!, load, config);
  for (const app of apps.values()) await app.stop();
  return { apps: [...apps.values()], summaries };
}

/** Starts an app process on a fresh database and seeds it; its token pools go to the load process. */
async function startApp(name: string, spec: AppSpec, rows: number, config: BenchConfig, load: BenchChild, cleanups: Cleanups): Promise<App> {
  const database = await createBenchDatabase(name, config.databaseUrl, config.sqliteWal, config.sqliteCheckpointWorker);
  cleanups.push(() => database.drop());
  const instances = sampleInstances(name);
  if (instances > 0) {
    const url = database.spec.type === 'postgres' ? database.spec.url : `sqlite:${database.spec.database}`;
    const seedStart = performance.now();
    const sample = await startSampleApps(instances, url, config.quick ? 20 : 100);
    cleanups.push(() => sample.stop());
    await load.call('pool', { name: `${name}:access`, tokens: sample.tokens });
    const seedSeconds = (performance.now() - seedStart) / 1000;
    return { name, child: null, ports: sample.ports, pids: sample.pids, database, settings: 'sample app', rows: sample.tokens.length, seedSeconds, stop: sample.stop };
  }
  const env = { ...process.env, NODE_ENV: 'production', BENCH_APP: JSON.stringify(spec), BENCH_DB: JSON.stringify(database.spec) };
  // --expose-gc: the leak check reads the live heap after a full collection, not RSS (which swings with garbage).
  const { child, ready } = await BenchChild.start<ServerReady>(`${name} server`, join(__dirname, 'server.js'), env, ['--expose-gc']);
  cleanups.push(() => child.stop());
  const seedStart = performance.now();
  const pools = await child.call<SeedResult>('seed', { rows });
  const seedSeconds = (performance.now() - seedStart) / 1000;
  for (const pool of POOLS) await load.call('pool', { name: `${name}:${pool}`, tokens: pools[pool] });
  if (pools.dpop.length) await load.call('boundPool', { name: `${name}:dpop`, tokens: pools.dpop });
  return { name, child, ports: [ready.port], pids: [child.pid], database, settings: ready.settings, rows: pools.rows, seedSeconds, stop: () => child.stop() };
}

/**
 * A discarded warm-up round, then `rounds` rounds with every route interleaved in each. Each round
 * starts one route further along, so no route always runs at the same distance from its baseline
 * (this machine's throughput drifts by ±20% within a minute).
 */
async function measureRounds(routes: RouteSpec[], appOf: (route: RouteSpec) => App, load: BenchChild, config: BenchConfig): Promise<Summary[]> {
  for (const route of routes) await measure(appOf(route), route, load, config.warmup, null);
  const samples = new Map<string, Sample[]>(routes.map((route) => [route.key, []]));
  for (let round = 1; round <= config.rounds; round++) {
    const shift = (round - 1) % routes.length;
    for (const route of [...routes.slice(shift), ...routes.slice(0, shift)]) {
      const profile = config.cpuProfileDir ? `${route.key}-round${round}` : null;
      const sample = await measure(appOf(route), route, load, config.duration, profile);
      samples.get(route.key)!.push(sample);
      log(`round ${round}/${config.rounds}  ${route.app.padEnd(6)} ${route.label.padEnd(52)} ${int(sample.rps).padStart(7)} req/s  p50 ${sample.p50.toFixed(2)} ms  RSS ${(sample.rssAfter / 2 ** 20).toFixed(0)} MB${sample.heapAfter === null ? '' : `  live heap ${(sample.heapAfter / 2 ** 20).toFixed(1)} MB`}`);
    }
  }
  return routes.map((route) => summarize(route, samples.get(route.key)!));
}

/** One window; the server's statement counts are reset just before and read just after it. */
async function measure(app: App, route: RouteSpec, load: BenchChild, duration: number, profile: string | null): Promise<Sample> {
  const child = app.child;
  if (route.state) await child?.call('tokenState', route.state);
  await child?.call('counts', { reset: true });
  if (profile) await child?.call('profileStart');
  const rssBefore = rss(app);
  const onPostgres = app.database.spec.type === 'postgres';
  const dbCpuBefore = onPostgres ? databaseCpuMicros() : null;
  const run: LoadRun = {
    ports: app.ports,
    method: route.method,
    path: route.path,
    pool: `${app.name}:${route.pool}`,
    refresh: route.pool === 'refresh',
    dpop: route.pool === 'dpop',
    connections: route.connections as number,
    duration,
  };
  const result = await load.call<LoadResult>('run', run);
  const none: QueryCounts = { requests: result.requests, selects: 0, writes: 0, transactions: 0, other: 0, cpuMicros: 0 };
  const counts = child ? await child.call<QueryCounts>('counts', { reset: true, settle: true }) : none;
  if (profile && child) log(`cpu profile: ${await child.call('profileStop', `${app.name}-${profile}`)}`);
  const dbCpuAfter = onPostgres ? databaseCpuMicros() : null;
  const dbCpuMicros = dbCpuBefore !== null && dbCpuAfter !== null ? dbCpuAfter - dbCpuBefore : null;
  const heapAfter = child ? await child.call<number>('liveHeap') : null;
  return { ...result, counts, rssBefore, rssAfter: rss(app), heapAfter, dbCpuMicros };
}

/** The app's processes' resident set, summed. */
function rss(app: App): number {
  return app.pids.reduce((sum, pid) => sum + rssOf(pid), 0);
}

/** BENCH_DATABASES as given; by default SQLite, and PostgreSQL if it answers. */
async function databasesToRun(config: BenchConfig): Promise<('sqlite' | 'postgres')[]> {
  if (config.databasesGiven || !config.databases.includes('postgres')) return config.databases;
  const answers = await new DataSource({ type: 'postgres', url: config.postgresUrl, connectTimeoutMS: 2000 })
    .initialize()
    .then((ds) => ds.destroy().then(() => true), () => false);
  if (!answers) log(`PostgreSQL does not answer at ${new URL(config.postgresUrl).host}: SQLite only`);
  return answers ? config.databases : config.databases.filter((d) => d !== 'postgres');
}

/** Routes picked by BENCH_ROUTES (all by default), with their connection count resolved. */
function selected(routes: RouteSpec[], config: BenchConfig): RouteSpec[] {
  return routes.filter((r) => !config.routes || config.routes.has(r.key)).map((r) => ({ ...r, connections: r.connections ?? config.connections }));
}

function printWrites(main: Summary[], liveTokens: number): void {
  const due = main.find((s) => s.route.key === 'extend/token-due');
  const fresh = main.find((s) => s.route.key === 'extend/token');
  if (!due || !fresh) return;
  console.log(
    `\nExtend-mode writes: with all ${int(liveTokens)} live tokens due a write (last use > minRefreshInterval ago), ` +
      `a window caused ${int(due.writes)} UPDATEs for ${int(due.received)} requests; with none due, ${int(fresh.writes)} for ${int(fresh.received)}. ` +
      `The module writes at most once per token per minRefreshInterval (60 s by default), so in steady use the write ` +
      `rate is bounded by live tokens / 60 s (here ${(liveTokens / 60).toFixed(1)}/s), whatever the request rate; ` +
      `the "due" row packs a whole minute of those writes into one window, so it is the worst case.`,
  );
}

function printDpop(main: Summary[]): void {
  const dpop = main.find((s) => s.route.key === 'extend-dpop/dpop');
  if (!dpop) return;
  console.log(
    `\nDPoP: ${int(DPOP_SESSIONS)} sessions, each bound to its own P-256 key at login; every request carries ` +
      `"Authorization: DPoP <token>" and a fresh ES256 proof (new jti, iat now, htm, htu, ath), each used once. The load ` +
      `generator signs a stock of proofs just before each window (up to 4,000 per second of window; any beyond are signed live ` +
      `and shown as "proofs signed live" in the responses column), so its signing does not share the ${cpus().length} cores ` +
      `with the server while the server is measured: a real client signs on its own device. The CPU columns count the server only. ` +
      `The extend-dpop app checks proof signatures on its signature worker (the default); extend-dpop-loop, the same app with ` +
      `signatureThreads: 0, checks them on the event loop.`,
  );
}

function printHeader(config: BenchConfig, databases: string[]): void {
  const cpu = cpus();
  const names = databases.map((d) => (d === 'postgres' ? 'PostgreSQL (a database per app, created and dropped by the bench)' : `SQLite (better-sqlite3, temp file${config.sqliteWal ? ', WAL' : ", TypeORM's default journal"})`));
  console.log(`# nest-token-auth benchmark${config.quick ? ' (BENCH_QUICK: smoke check, numbers not meaningful)' : ''}`);
  console.log(
    `node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}; databases, one pass each: ${names.join('; ')}; ` +
      `autocannon in a separate process, ${config.connections} connections, ${config.rounds} round(s) × ${config.duration} s after a ${config.warmup} s warm-up per route; ` +
      `${int(config.liveTokens)} live tokens rotated through the requests; ${loadAverage()} at the start.`,
  );
}

/** Other processes on the machine skew every number; the load average makes that visible. */
function loadAverage(): string {
  return `load average ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')} on ${cpus().length} cores`;
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

main().catch((error) => {
  process.stderr.write(`[bench] failed: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
});
