import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { KnoxOptions } from '../lib';

/** The sample app's settings, read from the environment and validated at boot. */
export interface SampleConfig {
  port: number;
  databaseUrl: string;
  mode: 'extend' | 'rotate';
  accessTtl?: number;
  refreshTtl?: number;
  minRefreshInterval?: number;
  maxLifetime?: number;
  reuseGrace?: number;
  refreshLimit: number;
  refreshWindow: number;
  loginLimit: number;
  loginWindow: number;
  /** Registrations per client IP per `registerWindow` seconds: bounds how fast anyone can probe for taken names. */
  registerLimit: number;
  registerWindow: number;
  tokenLimitPerUser: number | null;
  tokenSecret: string | null;
  redisUrl: string | null;
  /** Key prefix in Redis, so several apps (or test runs) can share one server. */
  redisPrefix: string | null;
  /** Express `trust proxy` hop count: behind N proxies, client IPs (rate limits, sessions) come from X-Forwarded-For. */
  trustProxy: number;
  /** AUTH_COOKIE=1: HttpOnly cookie transport (refresh token in rotate, token in extend). */
  cookie: boolean;
  /** INTROSPECTION_KEY: enables POST /auth/introspect for callers sending `Authorization: Bearer <key>`. */
  introspectionKey: string | null;
  /** DOCS=1: serve the OpenAPI UI at /docs and the document at /docs-json (off unless asked for). */
  docs: boolean;
  /** KNOX_TABLE and friends: also accept django-rest-knox tokens from that table (see the README's migration guide). */
  knox: KnoxOptions | false;
  /** DPOP=off|optional|required: DPoP sender-constrained tokens (RFC 9449); replays are shared through Redis with REDIS_URL. */
  dpop: 'off' | 'optional' | 'required';
}

/** An environment variable with a bad value; the message names it. */
export class ConfigError extends Error {}

/** Reads and validates every variable the README lists. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  const mode = env.AUTH_MODE ?? 'extend';
  if (mode !== 'extend' && mode !== 'rotate') throw new ConfigError(`AUTH_MODE must be "extend" or "rotate" (got "${mode}")`);
  return {
    port: integer(env, 'PORT', 3000, 0, 65535) as number,
    databaseUrl: databaseUrl(env.DATABASE_URL),
    mode,
    accessTtl: integer(env, 'ACCESS_TTL', undefined, 1),
    refreshTtl: integer(env, 'REFRESH_TTL', undefined, 1),
    minRefreshInterval: integer(env, 'MIN_REFRESH_INTERVAL', undefined, 0),
    maxLifetime: integer(env, 'MAX_LIFETIME', undefined, 1),
    reuseGrace: integer(env, 'REUSE_GRACE', undefined, 0),
    refreshLimit: integer(env, 'REFRESH_LIMIT', 30, 1) as number,
    refreshWindow: integer(env, 'REFRESH_WINDOW', 60, 1) as number,
    loginLimit: integer(env, 'LOGIN_LIMIT', 10, 1) as number,
    loginWindow: integer(env, 'LOGIN_WINDOW', 60, 1) as number,
    registerLimit: integer(env, 'REGISTER_LIMIT', 10, 1) as number,
    registerWindow: integer(env, 'REGISTER_WINDOW', 3600, 1) as number,
    tokenLimitPerUser: integer(env, 'TOKEN_LIMIT_PER_USER', undefined, 1) ?? null,
    tokenSecret: secret(env.TOKEN_SECRET, env.NODE_ENV === 'production'),
    redisUrl: redisUrl(env.REDIS_URL),
    redisPrefix: redisPrefix(env.REDIS_PREFIX),
    trustProxy: integer(env, 'TRUST_PROXY', 0, 0, 10) as number,
    cookie: flag(env, 'AUTH_COOKIE'),
    introspectionKey: introspectionKey(env.INTROSPECTION_KEY),
    docs: flag(env, 'DOCS'),
    knox: knox(env),
    dpop: dpopMode(env.DPOP),
  };
}

/** KNOX_TABLE turns knox tokens on; the other KNOX_* variables mirror knox's settings (the module validates them). */
function knox(env: NodeJS.ProcessEnv): KnoxOptions | false {
  if (!env.KNOX_TABLE) return false;
  const seconds = (name: string) => (env[name] === 'none' ? null : integer(env, name, undefined, 0));
  const hash = env.KNOX_HASH_ALGORITHM;
  return {
    table: env.KNOX_TABLE,
    version: (integer(env, 'KNOX_VERSION', 5, 4, 5) as 4 | 5),
    tokenPrefix: env.KNOX_TOKEN_PREFIX ?? '',
    tokenLength: integer(env, 'KNOX_TOKEN_LENGTH', undefined, 16, 128),
    keyLength: integer(env, 'KNOX_KEY_LENGTH', undefined, 1, 138),
    hashAlgorithm: hash ? (hash.replace(/^hashlib\./, '').replace('_', '-') as KnoxOptions['hashAlgorithm']) : undefined,
    header: env.KNOX_HEADER || undefined,
    ttl: seconds('KNOX_TTL'),
    autoRefresh: flag(env, 'KNOX_AUTO_REFRESH'),
    autoRefreshMaxTtl: seconds('KNOX_AUTO_REFRESH_MAX_TTL') ?? null,
    minRefreshInterval: integer(env, 'KNOX_MIN_REFRESH_INTERVAL', undefined, 0),
  };
}

/** A fresh random secret for a dev boot without TOKEN_SECRET (tokens then die with the process). */
export function ephemeralSecret(): string {
  return randomBytes(32).toString('base64url');
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return Number(raw);
}

function databaseUrl(raw: string | undefined): string {
  const url = raw && raw.trim() !== '' ? raw.trim() : `sqlite:${join(__dirname, '..', '..', 'sample-app', 'data', 'sample.sqlite')}`;
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+|mysql:\/\/.+|mariadb:\/\/.+)$/.test(url)) {
    throw new ConfigError('DATABASE_URL must be sqlite:<path>, sqlite::memory:, postgres://... or mysql://...');
  }
  return url;
}

function secret(raw: string | undefined, production: boolean): string | null {
  if (raw === undefined || raw === '') {
    // A random secret logs everyone out on each restart and differs between instances: fine on a laptop only.
    if (production) throw new ConfigError('TOKEN_SECRET is required when NODE_ENV=production');
    return null;
  }
  if (Buffer.byteLength(raw) < 32) throw new ConfigError('TOKEN_SECRET must be at least 32 bytes');
  return raw;
}

function redisUrl(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  if (!/^rediss?:\/\/.+/.test(raw)) throw new ConfigError('REDIS_URL must be redis://host:port');
  return raw;
}

function dpopMode(raw: string | undefined): SampleConfig['dpop'] {
  if (raw === undefined || raw === '') return 'off';
  if (raw === 'off' || raw === 'optional' || raw === 'required') return raw;
  throw new ConfigError(`DPOP must be "off", "optional" or "required" (got "${raw}")`);
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0') return false;
  if (raw === '1') return true;
  throw new ConfigError(`${name} must be 0 or 1 (got "${raw}")`);
}

function introspectionKey(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  if (!/^[\x21-\x7e]{24,200}$/.test(raw)) throw new ConfigError('INTROSPECTION_KEY must be 24 to 200 printable characters without spaces');
  return raw;
}

function redisPrefix(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  if (!/^[^{}\s]{1,64}$/.test(raw)) throw new ConfigError('REDIS_PREFIX must be 1 to 64 characters without spaces or braces');
  return raw;
}
