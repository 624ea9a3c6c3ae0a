import type { LoadResult } from './load';
import type { QueryCounts } from './query-counter';
import type { RouteSpec } from './routes';

/** One measured window: the load result plus the statements the server ran meanwhile. */
export interface Sample extends LoadResult {
  counts: QueryCounts;
  /** Resident set size of the serving process(es), bytes, before and after the window. */
  rssBefore: number;
  rssAfter: number;
  /** Bench servers: the live heap after a full collection, after the window (bytes); `null` for sample apps. */
  heapAfter: number | null;
  /** PostgreSQL server processes' CPU over the window (µs); `null` on SQLite. */
  dbCpuMicros: number | null;
}

/** A route's windows reduced to medians (each metric on its own). */
export interface Summary {
  route: RouteSpec;
  rounds: number;
  /** Per round, in round order, so ratios can pair windows measured side by side. */
  rpsByRound: number[];
  p50ByRound: number[];
  /** Server CPU µs per request received, per round. */
  cpuByRound: number[];
  cpuPerRequest: number;
  /** PostgreSQL's CPU per request received (µs), median over rounds; `null` on SQLite. */
  dbCpuPerRequest: number | null;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Requests the server received (the load generator abandons up to one per connection at the end). */
  received: number;
  selects: number;
  writes: number;
  transactions: number;
  /** Summed over the rounds. */
  statuses: Record<string, number>;
  errors: number;
  lost: number;
  /** DPoP proofs signed during the windows (the stock signed before them ran out). */
  signedLive: number;
  /** RSS before the route's first window and after its last (MB). */
  rssFirst: number;
  rssLast: number;
  /** RSS after each round's window (MB), in round order. */
  rssByRound: number[];
  /** Live heap after a full collection after each round's window (MB), or `null` (sample apps). */
  heapByRound: number[] | null;
}

export function summarize(route: RouteSpec, samples: Sample[]): Summary {
  const statuses: Record<string, number> = {};
  for (const sample of samples) for (const [code, count] of Object.entries(sample.statuses)) statuses[code] = (statuses[code] ?? 0) + count;
  const mid = (pick: (s: Sample) => number) => median(samples.map(pick));
  return {
    route,
    rounds: samples.length,
    rpsByRound: samples.map((s) => s.rps),
    p50ByRound: samples.map((s) => s.p50),
    cpuByRound: samples.map(cpuPerRequest),
    cpuPerRequest: mid(cpuPerRequest),
    dbCpuPerRequest: samples.every((s) => s.dbCpuMicros !== null) ? mid((s) => (s.counts.requests || s.requests ? (s.dbCpuMicros as number) / (s.counts.requests || s.requests) : 0)) : null,
    rps: mid((s) => s.rps),
    p50: mid((s) => s.p50),
    p99: mid((s) => s.p99),
    requests: mid((s) => s.requests),
    received: mid((s) => s.counts.requests),
    selects: mid((s) => s.counts.selects),
    writes: mid((s) => s.counts.writes),
    transactions: mid((s) => s.counts.transactions),
    statuses,
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
    lost: samples.reduce((sum, s) => sum + s.lost, 0),
    signedLive: samples.reduce((sum, s) => sum + s.signedLive, 0),
    rssFirst: samples[0].rssBefore / 2 ** 20,
    rssLast: samples[samples.length - 1].rssAfter / 2 ** 20,
    rssByRound: samples.map((sample) => sample.rssAfter / 2 ** 20),
    heapByRound: samples.every((sample) => sample.heapAfter !== null) ? samples.map((sample) => (sample.heapAfter as number) / 2 ** 20) : null,
  };
}

/**
 * Median over rounds of the per-round ratio: both windows of a round ran a few seconds apart, so
 * slow drift on the machine (other load, thermal) cancels out of each ratio.
 */
export function pairedRatio(of: number[], to: number[]): number {
  return median(of.map((value, round) => value / to[round]));
}

/** Half the range of the per-round throughput, relative to its median: how noisy the machine was. */
function spread(s: Summary): string {
  if (s.rounds < 2) return '—';
  return `±${((50 * (Math.max(...s.rpsByRound) - Math.min(...s.rpsByRound))) / s.rps).toFixed(0)}%`;
}

function cpuPerRequest(sample: Sample): number {
  return sample.counts.requests ? sample.counts.cpuMicros / sample.counts.requests : 0;
}

/**
 * Throughput ratio implied by server CPU per request (baseline CPU ÷ route CPU, per round), the
 * steadier second opinion on a VM whose req/s drifts: >1 means cheaper than the baseline.
 */
export function cpuRatio(of: Summary, to: Summary): number {
  return median(of.cpuByRound.map((value, round) => to.cpuByRound[round] / value));
}

/** The main table: throughput, latency, ratios to the same app's baselines, statements per window. */
export function mainTable(summaries: Summary[]): string {
  const find = (key: string) => summaries.find((s) => s.route.key === key);
  const ratio = (s: Summary, baseline: string) => {
    const base = find(`${s.route.app}/${baseline}`) ?? (baseline === 'open' ? find(`${s.route.app}/health`) : undefined);
    return base ? `${pairedRatio(s.rpsByRound, base.rpsByRound).toFixed(2)}×` : '—';
  };
  // The sample app has no /open: its /health is the unguarded baseline.
  const open = (s: Summary) => find(`${s.route.app}/open`) ?? find(`${s.route.app}/health`);
  const rows = summaries.map((s) => [
    s.route.app,
    s.route.label,
    int(s.rps),
    spread(s),
    ms(s.p50),
    ms(s.p99),
    s.cpuPerRequest ? int(s.cpuPerRequest) : '—',
    open(s) && s.cpuPerRequest ? `${cpuRatio(s, open(s)!).toFixed(2)}×` : '—',
    s.dbCpuPerRequest === null ? '—' : int(s.dbCpuPerRequest),
    ratio(s, 'open'),
    ratio(s, 'jwt-key'),
    ratio(s, 'jwt-string'),
    perRequest(s.selects, s.received),
    perRequest(s.writes, s.received),
    perRequest(s.transactions, s.received),
    `${s.rssFirst.toFixed(0)}→${s.rssLast.toFixed(0)}`,
    statusText(s),
  ]);
  return table(['app', 'route', 'req/s', 'spread', 'p50 ms', 'p99 ms', 'CPU µs/req', 'CPU × /open', 'DB CPU µs/req', '× /open', '× jwt-key', '× jwt-str', 'SELECTs (/req)', 'writes (/req)', 'BEGIN/COMMIT (/req)', 'RSS MB', 'responses'], rows);
}

/** The scale run: latency of the extend read path as the table grows. */
export function scaleTable(steps: { rows: number; seedSeconds: number; summaries: Summary[] }[]): string {
  const first = steps[0];
  const rows = steps.flatMap((step) =>
    step.summaries.map((s) => {
      const reference = first.summaries.find((f) => sameRoute(f, s)) as Summary;
      return [
        int(step.rows),
        `${step.seedSeconds.toFixed(1)} s`,
        `${s.route.label} (${s.route.connections} conn)`,
        int(s.rps),
        spread(s),
        ms(s.p50),
        ms(s.p99),
        `${pairedRatio(s.p50ByRound, reference.p50ByRound).toFixed(2)}×`,
        perRequest(s.selects, s.received),
        statusText(s),
      ];
    }),
  );
  return table(['rows', 'seeded in', 'route', 'req/s', 'spread', 'p50 ms', 'p99 ms', `p50 vs ${int(first.rows)}`, 'SELECTs (/req)', 'responses'], rows);
}

/** The same route in another app (keys are `<app>/<route>`). */
export function sameRoute(a: Summary, b: Summary): boolean {
  return a.route.key.slice(a.route.key.indexOf('/')) === b.route.key.slice(b.route.key.indexOf('/'));
}

/** A target from the product issue and what was measured against it. */
export interface Target {
  goal: string;
  measured: string;
  met: boolean;
}

export function targetList(targets: Target[]): string {
  return table(
    ['target', 'measured', 'verdict'],
    targets.map((t) => [t.goal, t.measured, t.met ? 'MET' : 'NOT MET']),
  );
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

function perRequest(count: number, requests: number): string {
  return `${int(count)} (${requests ? (count / requests).toFixed(2) : '0'})`;
}

/** Status codes with their share, plus transport errors and refresh tokens lost, if any. */
function statusText(s: Summary): string {
  const total = Object.values(s.statuses).reduce((a, b) => a + b, 0);
  const parts = Object.entries(s.statuses).map(([code, count]) => (count === total ? code : `${code}:${((100 * count) / total).toFixed(1)}%`));
  if (s.errors) parts.push(`errors:${s.errors}`);
  if (s.lost) parts.push(`lost:${s.lost}`);
  if (s.signedLive) parts.push(`proofs signed live:${s.signedLive}`);
  return parts.join(' ') || 'none';
}

/** Plain-text table: text columns left-aligned, numeric ones right-aligned. */
function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = headers.map((_, i) => rows.every((r) => /^[\d.,×\s()s—±%→-]+$/.test(r[i])));
  const line = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
