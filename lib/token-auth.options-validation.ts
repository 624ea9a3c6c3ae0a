import { TOKEN_PREFIX_PATTERN } from './token-format';
import { HashingSecret } from './token-hasher';
import { systemClock } from './clock';
import { CSRF_HEADER, EXPIRY_HEADER } from './wire';
import { isStrongSecret, SECRET_RULE } from './secret-strength';
import { CacheInvalidationChannel } from './token-cache';
import { DEFAULT_IPV6_SUBNET } from './client-ip';
import { CookieOptions, RateLimit, ResolvedTokenAuthOptions, TokenAuthModuleOptions } from './token-auth.options';
import { resolveKnoxOptions } from './legacy/knox/knox.options';
import { DPOP_OPTION_KEYS, resolveDpopOptions } from './dpop/dpop.options';

const HOUR = 3600;
const DAY = 24 * HOUR;

/** A module option with a bad value or in the wrong place; the message names the option and what it accepts. */
export class TokenAuthConfigError extends Error {
  constructor(
    /** The option at fault, e.g. `ttl` or `throttle.login.limit`. */
    readonly option: string,
    accepts: string,
    got: unknown,
  ) {
    super(`TokenAuthModule: option "${option}" must be ${accepts} (got ${describe(got)})`);
    this.name = 'TokenAuthConfigError';
  }

  /** An error about `option` whose message is `sentence` (for misplaced and unknown options). */
  static about(option: string, sentence: string): TokenAuthConfigError {
    const error = new TokenAuthConfigError(option, '', undefined);
    error.message = `TokenAuthModule: ${sentence}`;
    return error;
  }
}

// Every key of the options and of their nested objects; `satisfies` keeps the lists complete.
const OPTION_KEYS = Object.keys({
  mode: 1, users: 1, secrets: 1, schemes: 1, realm: 1, tokenPrefix: 1, ttl: 1, refreshTtl: 1, minRefreshInterval: 1, maxLifetime: 1,
  reuseGrace: 1, tokenLimitPerUser: 1, throttle: 1, expiryHeader: 1, clock: 1, onEvent: 1, introspection: 1, cookie: 1, cache: 1,
  legacy: 1,
  dpop: 1,
} satisfies Record<keyof TokenAuthModuleOptions, 1>);
const NESTED_KEYS: Record<string, string[]> = {
  throttle: Object.keys({ login: 1, refresh: 1, storage: 1, ipv6Subnet: 1 } satisfies Record<keyof NonNullable<TokenAuthModuleOptions['throttle']>, 1>),
  cookie: Object.keys({ name: 1, path: 1, secure: 1, sameSite: 1, csrfHeader: 1 } satisfies Record<keyof CookieOptions, 1>),
  cache: Object.keys({ ttl: 1, max: 1, invalidation: 1 } satisfies Record<keyof Exclude<TokenAuthModuleOptions['cache'], false | undefined>, 1>),
  introspection: ['authorize'],
  legacy: ['knox'],
  dpop: DPOP_OPTION_KEYS,
};

/**
 * Refuses keys the module would silently ignore: declaration-time options returned by a
 * `forRootAsync` factory (a `globalGuard: true` there would leave every route open), and typos.
 */
export function checkOptionKeys(raw: object, declarationKeys: readonly string[]): void {
  for (const key of Object.keys(raw)) {
    if (declarationKeys.includes(key)) {
      const value = describe((raw as Record<string, unknown>)[key]);
      throw TokenAuthConfigError.about(
        key,
        `"${key}" is a declaration-time option and is ignored in a factory result: pass it to forRootAsync({ ${key}: ${value}, useFactory })`,
      );
    }
    if (!OPTION_KEYS.includes(key)) throw unknownOption(key, OPTION_KEYS);
  }
  for (const [parent, keys] of Object.entries(NESTED_KEYS)) {
    const nested = (raw as Record<string, unknown>)[parent];
    // Only plain object literals: an `introspection` service instance may well carry other members.
    if (!nested || typeof nested !== 'object' || ![Object.prototype, null].includes(Object.getPrototypeOf(nested))) continue;
    for (const key of Object.keys(nested)) if (!keys.includes(key)) throw unknownOption(`${parent}.${key}`, keys.map((k) => `${parent}.${k}`));
  }
}

/** `unknown option "ttll" (did you mean "ttl"?)`. */
export function unknownOption(key: string, known: readonly string[], where = ''): TokenAuthConfigError {
  const near = closest(key, known);
  return TokenAuthConfigError.about(key, `unknown option "${key}"${where}${near ? ` (did you mean "${near}"?)` : ''}`);
}

/** The known name within edit distance 2 (case-insensitive), if any. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length];
}

/**
 * Applies defaults and validates every option once, at module start. `declarationKeys` are the
 * options that only `forRoot`/`forRootAsync` themselves take; finding one here is an error.
 */
export function resolveTokenAuthOptions(raw: TokenAuthModuleOptions, declarationKeys: readonly string[] = []): ResolvedTokenAuthOptions {
  if (!raw || typeof raw !== 'object') throw new TokenAuthConfigError('options', 'an object', raw);
  checkOptionKeys(raw, declarationKeys);
  const mode = raw.mode;
  if (mode !== 'extend' && mode !== 'rotate') throw new TokenAuthConfigError('mode', "'extend' or 'rotate'", mode);
  const rotate = mode === 'rotate';
  if (!raw.users || (typeof raw.users !== 'function' && typeof raw.users !== 'object')) {
    throw new TokenAuthConfigError('users', 'a provider class or an object with findById() and verifyCredentials()', raw.users);
  }
  const ttl = raw.ttl === undefined ? (rotate ? 15 * 60 : 10 * HOUR) : raw.ttl;
  if (ttl === null && rotate) throw new TokenAuthConfigError('ttl', 'a positive number of seconds in rotate mode', ttl);
  const maxLifetime = raw.maxLifetime === undefined ? (rotate ? 90 * DAY : null) : raw.maxLifetime;
  const reuseGrace = raw.reuseGrace ?? 10;
  // A grace replay hands back the successor access token; it must still exist (not expired, not purged).
  if (rotate && typeof ttl === 'number' && typeof reuseGrace === 'number' && reuseGrace >= ttl) {
    throw new TokenAuthConfigError('reuseGrace', `shorter than ttl (${ttl} s) in rotate mode`, reuseGrace);
  }
  const knox = resolveKnoxOptions(raw.legacy);
  const clock = clockOf(raw.clock);
  const dpop = resolveDpopOptions(raw.dpop, clock, (option, accepts, got) => new TokenAuthConfigError(option, accepts, got));
  const schemes = schemesOf(raw.schemes ?? ['Bearer', 'Token']);
  // Knox clients keep sending their own scheme (AUTH_HEADER_PREFIX); a bound token comes as `Authorization: DPoP <token>`.
  if (knox) schemes.add(knox.header.toLowerCase());
  if (dpop) schemes.add('dpop');
  return {
    mode,
    users: raw.users,
    secrets: secretsOf(raw.secrets),
    schemes,
    realm: textOf('realm', raw.realm ?? 'api', /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/),
    tokenPrefix: textOf('tokenPrefix', raw.tokenPrefix ?? 'ntk', TOKEN_PREFIX_PATTERN),
    accessTtlMs: ttl === null ? null : seconds('ttl', ttl, false),
    refreshTtlMs: seconds('refreshTtl', raw.refreshTtl ?? 30 * DAY, false),
    minRefreshIntervalMs: seconds('minRefreshInterval', raw.minRefreshInterval ?? 60, true),
    maxLifetimeMs: maxLifetime === null ? null : seconds('maxLifetime', maxLifetime, false),
    reuseGraceMs: seconds('reuseGrace', reuseGrace, true),
    tokenLimitPerUser: raw.tokenLimitPerUser == null ? null : count('tokenLimitPerUser', raw.tokenLimitPerUser),
    loginLimit: rateLimitOf('throttle.login', raw.throttle?.login, { limit: 10, window: 60 }),
    refreshLimit: rateLimitOf('throttle.refresh', raw.throttle?.refresh, { limit: 30, window: 60 }),
    throttlerStorage: storageOf(raw.throttle?.storage),
    ipv6Subnet: ipv6SubnetOf(raw.throttle?.ipv6Subnet),
    expiryHeader: raw.expiryHeader === false ? false : textOf('expiryHeader', raw.expiryHeader ?? EXPIRY_HEADER, /^[A-Za-z0-9-]{1,64}$/),
    clock,
    onEvent: callbackOf(raw.onEvent),
    introspection: introspectionOf(raw.introspection),
    cookie: cookieOf(raw.cookie, rotate),
    cache: cacheOf(raw.cache),
    legacy: { knox },
    dpop,
  };
}

function seconds(option: string, value: unknown, zeroAllowed: boolean): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (zeroAllowed ? value >= 0 : value > 0);
  if (!ok) throw new TokenAuthConfigError(option, `a ${zeroAllowed ? 'non-negative' : 'positive'} number of seconds`, value);
  return Math.round((value as number) * 1000);
}

function count(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TokenAuthConfigError(option, 'a positive integer', value);
  }
  return value;
}

function textOf(option: string, value: unknown, pattern: RegExp): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw new TokenAuthConfigError(option, `a string matching ${pattern}`, value);
  return value;
}

function secretsOf(value: unknown): HashingSecret[] {
  const list = typeof value === 'string' ? [{ id: 'k1', secret: value }] : value;
  const accepts = `a secret string, or a non-empty array of { id, secret } with unique ids, where every secret is ${SECRET_RULE}`;
  if (!Array.isArray(list) || list.length === 0) throw new TokenAuthConfigError('secrets', accepts, value);
  const ids = new Set<string>();
  for (const entry of list) {
    const okId = entry && typeof entry.id === 'string' && /^[A-Za-z0-9._-]{1,32}$/.test(entry.id) && !ids.has(entry.id);
    const strong = entry && (Buffer.isBuffer(entry.secret) || typeof entry.secret === 'string') && isStrongSecret(entry.secret);
    if (!okId || !strong) throw new TokenAuthConfigError('secrets', accepts, entry && { id: entry.id, secret: '[hidden]' });
    ids.add(entry.id);
  }
  return list as HashingSecret[];
}

function schemesOf(value: unknown): Set<string> {
  const ok = Array.isArray(value) && value.length > 0 && value.every((s) => typeof s === 'string' && /^[A-Za-z][A-Za-z0-9._~+-]*$/.test(s));
  if (!ok) throw new TokenAuthConfigError('schemes', 'a non-empty array of auth-scheme names such as "Bearer"', value);
  return new Set((value as string[]).map((s) => s.toLowerCase()));
}

function rateLimitOf(option: string, value: unknown, fallback: RateLimit): RateLimit | false {
  if (value === false) return false;
  if (value === undefined) return fallback;
  const limit = value as RateLimit;
  if (!limit || typeof limit !== 'object') throw new TokenAuthConfigError(option, '{ limit, window } or false', value);
  return { limit: count(`${option}.limit`, limit.limit), window: seconds(`${option}.window`, limit.window, false) / 1000 };
}

function ipv6SubnetOf(value: unknown): number {
  if (value === undefined) return DEFAULT_IPV6_SUBNET;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 128) {
    throw new TokenAuthConfigError('throttle.ipv6Subnet', 'an IPv6 prefix length, an integer from 1 to 128', value);
  }
  return value;
}

function storageOf(value: unknown) {
  if (value === undefined) return undefined;
  if (!value || typeof (value as { increment?: unknown }).increment !== 'function') {
    throw new TokenAuthConfigError('throttle.storage', 'a ThrottlerStorage (an object with increment())', value);
  }
  return value as ResolvedTokenAuthOptions['throttlerStorage'];
}

function clockOf(value: unknown) {
  if (value === undefined) return systemClock;
  if (!value || typeof (value as { now?: unknown }).now !== 'function') throw new TokenAuthConfigError('clock', 'an object with now()', value);
  return value as ResolvedTokenAuthOptions['clock'];
}

function callbackOf(value: unknown) {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new TokenAuthConfigError('onEvent', 'a function', value);
  return value as ResolvedTokenAuthOptions['onEvent'];
}

function introspectionOf(value: unknown): ResolvedTokenAuthOptions['introspection'] {
  if (value === undefined || value === false) return false;
  if (!value || typeof (value as { authorize?: unknown }).authorize !== 'function') {
    throw new TokenAuthConfigError('introspection', 'false or { authorize(request) } deciding who may introspect', value);
  }
  return value as ResolvedTokenAuthOptions['introspection'];
}

function cookieOf(value: unknown, rotate: boolean): ResolvedTokenAuthOptions['cookie'] {
  if (value === undefined || value === false) return false;
  if (!value || typeof value !== 'object') throw new TokenAuthConfigError('cookie', 'false or { name?, path?, secure?, sameSite?, csrfHeader? }', value);
  const cookie = value as CookieOptions;
  const sameSite = cookie.sameSite ?? 'Strict';
  if (sameSite !== 'Strict' && sameSite !== 'Lax') throw new TokenAuthConfigError('cookie.sameSite', "'Strict' or 'Lax'", sameSite);
  if (cookie.secure !== undefined && typeof cookie.secure !== 'boolean') throw new TokenAuthConfigError('cookie.secure', 'a boolean', cookie.secure);
  return {
    name: cookie.name === undefined ? null : textOf('cookie.name', cookie.name, /^[A-Za-z0-9_-]{1,64}$/),
    carries: rotate ? 'refresh' : 'token',
    path: cookie.path === undefined ? null : textOf('cookie.path', cookie.path, /^\/[A-Za-z0-9/_-]*$/),
    secure: cookie.secure ?? true,
    sameSite,
    csrfHeader: textOf('cookie.csrfHeader', cookie.csrfHeader ?? CSRF_HEADER, /^[A-Za-z0-9-]{1,64}$/),
  };
}

function cacheOf(value: unknown): ResolvedTokenAuthOptions['cache'] {
  if (value === false) return false;
  if (value === undefined) return { ttlMs: 5000, max: 10_000, invalidation: null, explicit: false };
  if (!value || typeof value !== 'object') throw new TokenAuthConfigError('cache', 'false or { ttl?, max?, invalidation? }', value);
  const cache = value as { ttl?: number; max?: number; invalidation?: { publish?: unknown; subscribe?: unknown } };
  const channel = cache.invalidation;
  if (channel !== undefined && (typeof channel?.publish !== 'function' || typeof channel?.subscribe !== 'function')) {
    throw new TokenAuthConfigError('cache.invalidation', 'an object with publish() and subscribe()', '[object]');
  }
  return {
    ttlMs: seconds('cache.ttl', cache.ttl ?? 5, false),
    max: count('cache.max', cache.max ?? 10_000),
    invalidation: (channel as CacheInvalidationChannel | undefined) ?? null,
    explicit: true,
  };
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
