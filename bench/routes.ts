/** Token modes of the app processes: one TokenAuthModule each, since its Passport strategy name is global. */
export type AppMode = 'extend' | 'rotate';

/** How an app process is configured. */
export interface AppSpec {
  mode: AppMode;
  /** TokenAuthModule's in-process token cache (default ttl and size). */
  cache: boolean;
  /** `dpop: 'optional'`, with a pool of DPoP-bound sessions seeded. */
  dpop: boolean;
  /** `dpop.signatureThreads`: `undefined` for the default (one worker), 0 to check on the event loop. */
  dpopThreads?: number;
}

/** Sessions bound to a DPoP key in the DPoP app, one key each. */
export const DPOP_SESSIONS = 200;

/** The configuration behind an app name. */
export function appSpec(app: string): AppSpec {
  return {
    mode: app === 'rotate' ? 'rotate' : 'extend',
    cache: app === 'extend-cached',
    dpop: app === 'extend-dpop' || app === 'extend-dpop-loop',
    dpopThreads: app === 'extend-dpop-loop' ? 0 : undefined,
  };
}

/** Sample-app processes behind an app name (`sample`: one, `sample-x2`: two sharing the database), or 0 for a bench server. */
export function sampleInstances(app: string): number {
  return app === 'sample' ? 1 : app === 'sample-x2' ? 2 : 0;
}

/** Which tokens a route is fed (`dpop`: bound tokens, each request with a fresh proof). */
export type PoolName = 'access' | 'refresh' | 'jwt' | 'forged' | 'dpop';

/** One measured route. */
export interface RouteSpec {
  key: string;
  /** The app process serving it (`extend`, `extend-cached`, `rotate`, `sample`, `sample-x2` or `scale-<rows>`). */
  app: string;
  label: string;
  method: 'GET' | 'POST';
  path: string;
  pool: PoolName;
  /** Live-token state set before each window (`fresh`: no write due; `due`: one write per token due). */
  state?: 'fresh' | 'due';
  /** Overrides the configured connection count. */
  connections?: number;
}

/** Baselines measured in each app, so every ratio compares routes of the same process. */
function baselines(app: AppMode): RouteSpec[] {
  return [
    // The header is sent but ignored: same request size as the guarded routes.
    { key: `${app}/open`, app, label: 'GET /open (no guard)', method: 'GET', path: '/open', pool: 'access' },
    { key: `${app}/jwt-string`, app, label: 'GET /jwt-string (passport-jwt, string secret)', method: 'GET', path: '/jwt-string', pool: 'jwt' },
    { key: `${app}/jwt-key`, app, label: 'GET /jwt-key (passport-jwt, KeyObject)', method: 'GET', path: '/jwt-key', pool: 'jwt' },
  ];
}

/** Interleaved in this order in every round. */
export const MAIN_ROUTES: RouteSpec[] = [
  ...baselines('extend'),
  { key: 'extend/token', app: 'extend', label: 'GET /token extend, no write due (read-only path)', method: 'GET', path: '/token', pool: 'access', state: 'fresh' },
  { key: 'extend/token-due', app: 'extend', label: 'GET /token extend, every token due a write', method: 'GET', path: '/token', pool: 'access', state: 'due' },
  { key: 'extend/forged', app: 'extend', label: 'GET /token forged (bad checksum, 401)', method: 'GET', path: '/token', pool: 'forged' },
  { key: 'extend-cached/open', app: 'extend-cached', label: 'GET /open (no guard)', method: 'GET', path: '/open', pool: 'access' },
  { key: 'extend-cached/noop-guard', app: 'extend-cached', label: 'GET /noop-guard (sets a user, no check: any guard\'s floor)', method: 'GET', path: '/noop-guard', pool: 'access' },
  { key: 'extend-cached/token', app: 'extend-cached', label: 'GET /token extend, cache on (PostgreSQL: default settings), no write due', method: 'GET', path: '/token', pool: 'access', state: 'fresh' },
  // DPoP on (optional), no cache: the Bearer row shows what optional DPoP costs a plain request.
  { key: 'extend-dpop/open', app: 'extend-dpop', label: 'GET /open (no guard)', method: 'GET', path: '/open', pool: 'access' },
  { key: 'extend-dpop/token', app: 'extend-dpop', label: 'GET /token extend, Bearer, dpop: optional, no write due', method: 'GET', path: '/token', pool: 'access', state: 'fresh' },
  { key: 'extend-dpop/dpop', app: 'extend-dpop', label: 'GET /token extend, DPoP-bound, fresh ES256 proof per request', method: 'GET', path: '/token', pool: 'dpop', state: 'fresh' },
  // The same with signatureThreads: 0, the signatures checked on the event loop: what the worker changes.
  { key: 'extend-dpop-loop/open', app: 'extend-dpop-loop', label: 'GET /open (no guard)', method: 'GET', path: '/open', pool: 'access' },
  { key: 'extend-dpop-loop/dpop', app: 'extend-dpop-loop', label: 'GET /token extend, DPoP-bound, signatures on the event loop', method: 'GET', path: '/token', pool: 'dpop', state: 'fresh' },
  ...baselines('rotate'),
  { key: 'rotate/token', app: 'rotate', label: 'GET /token rotate, no write due', method: 'GET', path: '/token', pool: 'access', state: 'fresh' },
  { key: 'rotate/refresh', app: 'rotate', label: 'POST /auth/refresh (rotate)', method: 'POST', path: '/auth/refresh', pool: 'refresh' },
  // No guard, no token work: a refresh's HTTP part alone (its JSON body in, a same-size JSON body out).
  { key: 'rotate/post-baseline', app: 'rotate', label: 'POST /echo-refresh (no guard: a refresh\'s bodies only)', method: 'POST', path: '/echo-refresh', pool: 'refresh' },
  // The sample app as shipped (its own TypeORM user lookup, default cache settings), one and two instances.
  { key: 'sample/health', app: 'sample', label: 'sample app GET /health', method: 'GET', path: '/health', pool: 'access' },
  { key: 'sample/me', app: 'sample', label: 'sample app GET /me', method: 'GET', path: '/me', pool: 'access' },
  { key: 'sample-x2/health', app: 'sample-x2', label: 'two sample apps, GET /health', method: 'GET', path: '/health', pool: 'access' },
  { key: 'sample-x2/me', app: 'sample-x2', label: 'two sample apps, GET /me', method: 'GET', path: '/me', pool: 'access' },
];

/**
 * The scale run: the extend read path in one app per table size, under load and alone (pure lookup
 * latency). Sizes are interleaved in every round like the main routes.
 */
export function scaleRoutes(sizes: number[]): RouteSpec[] {
  return sizes.flatMap((rows) => {
    const app = scaleApp(rows);
    return [
      { key: `${app}/token`, app, label: 'GET /token extend, under load', method: 'GET', path: '/token', pool: 'access', state: 'fresh' },
      { key: `${app}/token-1`, app, label: 'GET /token extend, alone', method: 'GET', path: '/token', pool: 'access', state: 'fresh', connections: 1 },
    ] satisfies RouteSpec[];
  });
}

/** Name of the scale app holding `rows` token rows. */
export function scaleApp(rows: number): string {
  return `scale-${rows}`;
}
