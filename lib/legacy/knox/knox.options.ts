import { TokenAuthConfigError, unknownOption } from '../../token-auth.options-validation';

/** Hashes knox's `SECURE_HASH_ALGORITHM` may name, as Node calls them (`hashlib.sha512` is `sha512`). */
export const KNOX_HASH_ALGORITHMS = ['sha512', 'sha384', 'sha256', 'sha3-512', 'sha3-384', 'sha3-256', 'blake2b512'] as const;
/** One of `KNOX_HASH_ALGORITHMS`. */
export type KnoxHashAlgorithm = (typeof KNOX_HASH_ALGORITHMS)[number];

/**
 * Accept tokens from an existing django-rest-knox table (`legacy.knox`). Each field mirrors the knox
 * setting of the same meaning; the defaults are knox 5's. Durations are in seconds.
 */
export interface KnoxOptions {
  /** The knox table, on the module's data source. Default `'knox_authtoken'`. Never altered. */
  table?: string;
  /** knox release the tokens came from: `5` (5.0.x) or `4` (4.2.x: digest over the hex-decoded token). Default `5`. */
  version?: 4 | 5;
  /** `TOKEN_PREFIX` (0-10 characters, knox 5 only). Default `''`. */
  tokenPrefix?: string;
  /** `AUTH_TOKEN_CHARACTER_LENGTH` (even, 16-128). Default `64`. */
  tokenLength?: number;
  /** `TOKEN_KEY_LENGTH`, the indexed `token_key` prefix. Default `15` (knox 5) / `8` (knox 4). */
  keyLength?: number;
  /** `SECURE_HASH_ALGORITHM`. Default `'sha512'`. */
  hashAlgorithm?: KnoxHashAlgorithm;
  /** `AUTH_HEADER_PREFIX`, added to the accepted schemes. Default `'Token'`. */
  header?: string;
  /** `TOKEN_TTL`, what `autoRefresh` moves the expiry to from now; `null` = none. Default 36000. */
  ttl?: number | null;
  /** `AUTO_REFRESH`. Default `false`. */
  autoRefresh?: boolean;
  /** `AUTO_REFRESH_MAX_TTL`, the cap from `created`; `null` = none. Default `null`. */
  autoRefreshMaxTtl?: number | null;
  /** `MIN_REFRESH_INTERVAL`: a refresh is written only when it moves the expiry by more. Default 60. */
  minRefreshInterval?: number;
}

/** `KnoxOptions` after defaults and validation; durations in milliseconds. */
export interface ResolvedKnoxOptions {
  table: string;
  version: 4 | 5;
  tokenPrefix: string;
  tokenLength: number;
  keyLength: number;
  hashAlgorithm: KnoxHashAlgorithm;
  header: string;
  ttlMs: number | null;
  autoRefresh: boolean;
  autoRefreshMaxTtlMs: number | null;
  minRefreshIntervalMs: number;
}

const KEYS = Object.keys({
  table: 1, version: 1, tokenPrefix: 1, tokenLength: 1, keyLength: 1, hashAlgorithm: 1, header: 1, ttl: 1, autoRefresh: 1,
  autoRefreshMaxTtl: 1, minRefreshInterval: 1,
} satisfies Record<keyof KnoxOptions, 1>);
const TABLE = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;
// Knox 5 does not restrict the prefix's characters; these keep it a safe literal in a header and a pattern.
const PREFIX = /^[A-Za-z0-9_.~+/-]{0,10}$/;

/** Validates the `legacy` option's `knox`; `false` when it is absent or `false`. */
export function resolveKnoxOptions(legacy: unknown): ResolvedKnoxOptions | false {
  if (legacy === undefined) return false;
  if (!legacy || typeof legacy !== 'object') throw new TokenAuthConfigError('legacy', '{ knox?: { table?, tokenPrefix?, ... } | false }', legacy);
  const value = (legacy as { knox?: unknown }).knox;
  if (value === undefined || value === false) return false;
  if (!value || typeof value !== 'object') throw new TokenAuthConfigError('legacy.knox', 'false or { table?, tokenPrefix?, hashAlgorithm?, ... }', value);
  for (const key of Object.keys(value)) if (!KEYS.includes(key)) throw unknownOption(`legacy.knox.${key}`, KEYS.map((k) => `legacy.knox.${k}`));
  const o = value as KnoxOptions;
  const version = o.version ?? 5;
  if (version !== 4 && version !== 5) throw new TokenAuthConfigError('legacy.knox.version', '4 (knox 4.2.x) or 5 (knox 5.0.x)', version);
  const tokenPrefix = text('legacy.knox.tokenPrefix', o.tokenPrefix ?? '', PREFIX);
  if (version === 4 && tokenPrefix !== '') throw new TokenAuthConfigError('legacy.knox.tokenPrefix', "'' with version 4 (knox 4 has no prefix)", tokenPrefix);
  const tokenLength = whole('legacy.knox.tokenLength', o.tokenLength ?? 64, 16, 128);
  if (tokenLength % 2) throw new TokenAuthConfigError('legacy.knox.tokenLength', 'an even number (knox hex-encodes whole bytes)', tokenLength);
  const keyLength = whole('legacy.knox.keyLength', o.keyLength ?? (version === 4 ? 8 : 15), 1, tokenPrefix.length + tokenLength);
  const hashAlgorithm = o.hashAlgorithm ?? 'sha512';
  if (!KNOX_HASH_ALGORITHMS.includes(hashAlgorithm)) throw new TokenAuthConfigError('legacy.knox.hashAlgorithm', `one of ${KNOX_HASH_ALGORITHMS.join(', ')}`, hashAlgorithm);
  const ttl = o.ttl === undefined ? 36000 : o.ttl;
  const maxTtl = o.autoRefreshMaxTtl ?? null;
  if (o.autoRefresh !== undefined && typeof o.autoRefresh !== 'boolean') throw new TokenAuthConfigError('legacy.knox.autoRefresh', 'true or false', o.autoRefresh);
  return {
    table: text('legacy.knox.table', o.table ?? 'knox_authtoken', TABLE),
    version,
    tokenPrefix,
    tokenLength,
    keyLength,
    hashAlgorithm,
    header: text('legacy.knox.header', o.header ?? 'Token', /^[A-Za-z][A-Za-z0-9._~+-]{0,31}$/),
    ttlMs: ttl === null ? null : seconds('legacy.knox.ttl', ttl, false),
    autoRefresh: o.autoRefresh ?? false,
    autoRefreshMaxTtlMs: maxTtl === null ? null : seconds('legacy.knox.autoRefreshMaxTtl', maxTtl, false),
    minRefreshIntervalMs: seconds('legacy.knox.minRefreshInterval', o.minRefreshInterval ?? 60, true),
  };
}

function text(option: string, value: unknown, pattern: RegExp): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw new TokenAuthConfigError(option, `a string matching ${pattern}`, value);
  return value;
}

function whole(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TokenAuthConfigError(option, `a whole number from ${min} to ${max}`, value);
  }
  return value;
}

function seconds(option: string, value: unknown, zeroAllowed: boolean): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (zeroAllowed ? value >= 0 : value > 0);
  if (!ok) throw new TokenAuthConfigError(option, `a ${zeroAllowed ? 'non-negative' : 'positive'} number of seconds`, value);
  return Math.round((value as number) * 1000);
}
