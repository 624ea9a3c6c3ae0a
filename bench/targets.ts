import { cpuRatio, pairedRatio, sameRoute, Summary, Target } from './report';

/** The product issue's targets, checked against what was measured (never against assumptions). */
export function checkTargets(main: Summary[], scale: { rows: number; summaries: Summary[] }[], database: 'sqlite' | 'postgres' = 'sqlite'): Target[] {
  const pg = database === 'postgres';
  const get = (key: string) => main.find((s) => s.route.key === key);
  const targets: Target[] = [];
  const ratio = (goal: string, key: string, baseline: string, minimum: number, extra?: (s: Summary) => { text: string; ok: boolean }) => {
    const route = get(key);
    const base = get(baseline);
    if (!route || !base) return;
    const value = pairedRatio(route.rpsByRound, base.rpsByRound);
    const more = extra?.(route);
    const cpu = route.cpuPerRequest ? `by CPU/req ${cpuRatio(route, base).toFixed(2)}×` : 'sample app: no CPU figure';
    targets.push({ goal, measured: `${value.toFixed(2)}× (${cpu})${more?.text ? `, ${more.text}` : ''}`, met: value >= minimum && (more?.ok ?? true) });
  };

  // The no-op guard is context, not a target: no guard can beat it.
  const noop = get('extend-cached/noop-guard');
  const cachedOpen = get('extend-cached/open');
  const floor = noop && cachedOpen ? pairedRatio(noop.rpsByRound, cachedOpen.rpsByRound) : null;
  ratio(pg ? 'extend GET ≥ 0.85× /open with default settings (cache on, LISTEN/NOTIFY)' : 'extend GET ≥ 0.85× /open with the cache on', 'extend-cached/token', 'extend-cached/open', 0.85, () => ({
    text: floor === null ? '' : `a no-op guard: ${floor.toFixed(2)}× (by CPU/req ${cpuRatio(noop!, cachedOpen!).toFixed(2)}×)`,
    ok: true,
  }));
  const noCache = pg ? 0.65 : 0.6;
  ratio(`extend GET ≥ ${noCache}× /open without a cache`, 'extend/token', 'extend/open', noCache);
  ratio(`rotate GET ≥ ${noCache}× /open without a cache`, 'rotate/token', 'rotate/open', noCache);
  // The load generator signs every proof on the same cores as the server, so this understates the server.
  ratio('DPoP-bound extend GET (fresh proof per request) ≥ 0.5× /open (proofs signed before the window)', 'extend-dpop/dpop', 'extend-dpop/open', 0.5, (s) => {
    // A refused proof answers 401 fast: a figure counts only if every response was a 200.
    const total = Object.values(s.statuses).reduce((a, b) => a + b, 0);
    const refused = total - (s.statuses['200'] ?? 0);
    return { text: `${refused} of ${total} responses not 200${s.errors ? `, ${s.errors} errors` : ''}`, ok: refused === 0 && total > 0 && s.errors === 0 };
  });
  ratio('extend GET ≥ 1.0× best-tuned JWT (KeyObject)', 'extend/token', 'extend/jwt-key', 1.0);
  ratio('extend GET ≥ 3× string-secret JWT', 'extend/token', 'extend/jwt-string', 3.0);
  ratio('forged tokens ≥ 0.95× /open with 0 DB queries', 'extend/forged', 'extend/open', 0.95, (s) => {
    const queries = s.selects + s.writes + s.transactions;
    return { text: `${queries} queries`, ok: queries === 0 };
  });
  ratio('extend with writes due ≥ 0.95× read-only path', 'extend/token-due', 'extend/token', 0.95, (s) => ({ text: `${s.writes} writes in the window`, ok: true }));
  const refresh = pg ? 0.4 : 0.35;
  // Context, like the no-op guard: the HTTP work of a refresh alone (JSON body in, same-size JSON out).
  const post = get('rotate/post-baseline');
  const rotateOpen = get('rotate/open');
  ratio(`POST /auth/refresh ≥ ${refresh}× /open`, 'rotate/refresh', 'rotate/open', refresh, () => ({
    text: post && rotateOpen ? `a bare POST with the same bodies: ${pairedRatio(post.rpsByRound, rotateOpen.rpsByRound).toFixed(2)}× (by CPU/req ${cpuRatio(post, rotateOpen).toFixed(2)}×)` : '',
    ok: true,
  }));
  ratio('sample app GET /me ≥ 0.75× its /health', 'sample/me', 'sample/health', 0.75);
  ratio('two sample apps behind the load generator, GET /me ≥ 0.75× /health', 'sample-x2/me', 'sample-x2/health', 0.75);
  for (const s of main) {
    // A leak keeps growing: the last round ends above every earlier round by a clear margin. Bench
    // servers are read as their live heap after a full collection; RSS (all the sample apps give)
    // swings by tens of MB with garbage and grows while caches, pools and JIT warm up.
    const heap = s.heapByRound !== null;
    const series = s.heapByRound ?? s.rssByRound;
    const earlier = Math.max(...series.slice(0, -1));
    const last = series[series.length - 1];
    if (series.length > 1 && last > earlier * 1.1 + (heap ? 5 : 20)) {
      const what = heap ? 'live heap after a full GC' : 'RSS';
      targets.push({ goal: `no memory growth over the run (${s.route.key})`, measured: `${what} after each round ${series.map((mb) => mb.toFixed(heap ? 1 : 0)).join(' → ')} MB`, met: false });
    }
  }

  if (scale.length > 1) {
    const first = scale[0];
    const last = scale[scale.length - 1];
    for (const summary of last.summaries) {
      const reference = first.summaries.find((s) => sameRoute(s, summary));
      if (!reference) continue;
      const value = pairedRatio(summary.p50ByRound, reference.p50ByRound);
      targets.push({
        goal: `p50 at ${rowsText(last.rows)} rows ≤ 1.1× p50 at ${rowsText(first.rows)} (${summary.route.connections} conn)`,
        measured: `${value.toFixed(2)}× (medians ${reference.p50.toFixed(2)} → ${summary.p50.toFixed(2)} ms)`,
        met: value <= 1.1,
      });
    }
  }
  return targets;
}

function rowsText(rows: number): string {
  return rows >= 1_000_000 ? `${rows / 1_000_000}M` : rows >= 1000 ? `${rows / 1000}k` : String(rows);
}
