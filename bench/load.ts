import { EventEmitter } from 'node:events';
import { athOf, BoundToken, DpopKey } from './dpop-proofs';
import { serveCommands } from './ipc';

/** The slice of autocannon's programmatic API the bench uses (the package ships no typings). */
interface AutocannonRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest | null;
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}
type Autocannon = (options: Record<string, unknown>, done: (error: Error | null, result: AutocannonResult) => void) => EventEmitter;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon: Autocannon = require('autocannon');

/** One measured window against one route. */
export interface LoadRun {
  /** One port, or several instances sharing the connections (like a load balancer). */
  ports: number[];
  method: 'GET' | 'POST';
  path: string;
  /** Pool of tokens to rotate through; `refresh` pools are consumed and refilled from responses. */
  pool: string;
  refresh?: boolean;
  /** The pool holds DPoP-bound tokens: each request gets `Authorization: DPoP` and a fresh proof. */
  dpop?: boolean;
  connections: number;
  duration: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  /** Latency percentiles in ms, from every response (autocannon's own histogram keeps whole ms only). */
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  errors: number;
  /** Refresh tokens that did not come back with a successor (in flight at the end, or refused). */
  lost: number;
  /** DPoP: proofs signed during the window because the stock signed before it ran out. */
  signedLive: number;
}

const pools = new Map<string, string[]>();

/** A bound token ready for signing: its key imported and its `ath` computed once. */
interface BoundClient {
  authorization: string;
  key: DpopKey;
  ath: string;
}
const boundPools = new Map<string, BoundClient[]>();

/** Most requests per second per instance the proof stock is made for; beyond it, proofs are signed live. */
const STOCK_RPS = 4000;

/**
 * Headers of a request with a bound token and a proof used once. The proofs are signed before the
 * window starts (fresh `jti`, `iat` within the window), so that the load generator's ES256 signing
 * does not share the cores with the server while it is measured; a client signs on its own device.
 * If the stock runs out, proofs are signed live and counted in `signedLive`.
 */
function dpopRequest(clients: BoundClient[], method: string, url: string, seconds: number, live: { signedLive: number }): AutocannonRequest['setupRequest'] {
  const stock = Array.from({ length: Math.ceil(STOCK_RPS * seconds) }, (_, i) => {
    const client = clients[i % clients.length];
    return { authorization: client.authorization, dpop: client.key.proof(method, url, client.ath) };
  });
  let next = 0;
  return (req) => {
    const index = next++;
    let headers = stock[index];
    if (headers === undefined) {
      const client = clients[index % clients.length];
      headers = { authorization: client.authorization, dpop: client.key.proof(method, url, client.ath) };
      live.signedLive++;
    }
    req.headers = { ...req.headers, ...headers };
    return req;
  };
}

/** Runs one window: `connections` keep-alive connections for `duration` seconds, no pipelining. */
async function run(spec: LoadRun): Promise<LoadResult> {
  const tokens = spec.dpop ? [] : pools.get(spec.pool);
  const clients = spec.dpop ? boundPools.get(spec.pool) : [];
  if (!tokens || !clients || (spec.dpop ? clients : tokens).length === 0) throw new Error(`empty pool "${spec.pool}"`);
  let next = 0;
  let taken = 0;
  let returned = 0;
  const request: AutocannonRequest = { method: spec.method, path: spec.path };
  if (spec.refresh) {
    // Each refresh token is sent once; its successor goes to the back of the queue (like a client).
    request.setupRequest = (req) => {
      const token = tokens.shift();
      if (token === undefined) return null;
      taken++;
      req.headers = { ...req.headers, 'content-type': 'application/json' };
      req.body = JSON.stringify({ refreshToken: token });
      return req;
    };
    request.onResponse = (status, body) => {
      const successor = status === 200 ? (JSON.parse(body) as { refreshToken?: string }).refreshToken : undefined;
      if (successor) {
        tokens.push(successor);
        returned++;
      }
    };
  } else {
    request.setupRequest = (req) => {
      req.headers = { ...req.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` };
      return req;
    };
  }
  const latencies = new Latencies();
  const live = { signedLive: 0 };
  const share = Math.max(1, Math.round(spec.connections / spec.ports.length));
  const one = (port: number) =>
    new Promise<AutocannonResult>((resolve, reject) => {
      // A proof names the exact URI, so each instance signs for its own port.
      const requests = [spec.dpop ? { ...request, setupRequest: dpopRequest(clients, spec.method, `http://127.0.0.1:${port}${spec.path}`, spec.duration, live) } : request];
      const instance = autocannon(
        { url: `http://127.0.0.1:${port}`, connections: share, duration: spec.duration, pipelining: 1, requests },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
      instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.add(ms));
    });
  const results = await Promise.all(spec.ports.map(one));
  const statuses: Record<string, number> = {};
  for (const result of results) for (const [code, { count }] of Object.entries(result.statusCodeStats)) statuses[code] = (statuses[code] ?? 0) + count;
  const seconds = Math.max(...results.map((r) => r.duration));
  return {
    requests: latencies.count,
    seconds,
    rps: latencies.count / seconds,
    p50: latencies.percentile(0.5),
    p99: latencies.percentile(0.99),
    statuses,
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
    lost: taken - returned,
    signedLive: live.signedLive,
  };
}

/** Every response time of a window, kept exactly (a few hundred thousand doubles at most). */
class Latencies {
  private values = new Float64Array(1 << 16);
  count = 0;

  add(ms: number): void {
    if (this.count === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.count++] = ms;
  }

  percentile(q: number): number {
    if (this.count === 0) return NaN;
    const sorted = this.values.subarray(0, this.count).sort();
    return sorted[Math.min(this.count - 1, Math.max(0, Math.ceil(q * this.count) - 1))];
  }
}

serveCommands(
  {
    pool: ({ name, tokens }: { name: string; tokens: string[] }) => void pools.set(name, [...tokens]),
    boundPool: ({ name, tokens }: { name: string; tokens: BoundToken[] }) =>
      void boundPools.set(
        name,
        tokens.map(({ token, key }) => ({ authorization: `DPoP ${token}`, key: DpopKey.fromJwk(key), ath: athOf(token) })),
      ),
    run,
    close: () => void setImmediate(() => process.exit(0)),
  },
  {},
);
