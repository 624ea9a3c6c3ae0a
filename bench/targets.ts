import { cpuRatio, pairedRatio, sameRoute, Summary, Target } from './report';

/** The product issue's targets, checked against what was measured (never against assumptions). */
export function checkTargets(main: Summary[], scale: { rows: number; summaries: Summary[] }[]): Target[] {
  const get = (key: string) => main.find((s) => s.route.key === key);
  const targets: Target[] = [];
  const ratio = (goal: string, key: string, baseline: string, minimum: number, extra?: (s: Summary) => { text: string; ok: boolean }) => {
    const route = get(key);
    const base = get(baseline);
    if (!route || !base) return;
    const value = pairedRatio(route.rpsByRound, base.rpsByRound);
    const more = extra?.(route);
    const cpu = `by CPU/req ${cpuRatio(route, base).toFixed(2)}×`;
    targets.push({ goal, measured: `${value.toFixed(2)}× (${cpu})${more?.text ? `, ${more.text}` : ''}`, met: value >= minimum && (more?.ok ?? true) });
  };

  // The no-op guard is context, not a target: no guard can beat it.
  const noop = get('extend-cached/noop-guard');
  const cachedOpen = get('extend-cached/open');
  const floor = noop && cachedOpen ? pairedRatio(noop.rpsByRound, cachedOpen.rpsByRound) : null;
  ratio('extend GET ≥ 0.85× /open with the cache on', 'extend-cached/token', 'extend-cached/open', 0.85, () => ({
    text: floor === null ? '' : `a no-op guard: ${floor.toFixed(2)}× (by CPU/req ${cpuRatio(noop!, cachedOpen!).toFixed(2)}×)`,
    ok: true,
  }));
  ratio('extend GET ≥ 0.6× /open without a cache', 'extend/token', 'extend/open', 0.6);
  ratio('rotate GET ≥ 0.6× /open without a cache', 'rotate/token', 'rotate/open', 0.6);
  ratio('extend GET ≥ 1.0× best-tuned JWT (KeyObject)', 'extend/token', 'extend/jwt-key', 1.0);
  ratio('extend GET ≥ 3× string-secret JWT', 'extend/token', 'extend/jwt-string', 3.0);
  ratio('forged tokens ≥ 0.95× /open with 0 DB queries', 'extend/forged', 'extend/open', 0.95, (s) => {
    const queries = s.selects + s.writes + s.transactions;
    return { text: `${queries} queries`, ok: queries === 0 };
  });
  ratio('extend with writes due ≥ 0.95× read-only path', 'extend/token-due', 'extend/token', 0.95, (s) => ({ text: `${s.writes} writes in the window`, ok: true }));
  ratio('POST /auth/refresh ≥ 0.35× /open', 'rotate/refresh', 'rotate/open', 0.35);

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
