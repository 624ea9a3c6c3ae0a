import { availableParallelism } from 'node:os';
import { Clock } from '../clock';
import { DpopReplayStore, MemoryDpopReplayStore } from './dpop-replay.store';

/** `off`: Bearer only. `optional`: a login with a DPoP proof binds its session. `required`: every session must be bound. */
export type DpopMode = 'off' | 'optional' | 'required';

/** The asymmetric JWS algorithms a DPoP proof may use. */
export type DpopAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'Ed25519' | 'RS256' | 'PS256';

/** DPoP (RFC 9449) options, the object form of the `dpop` option. Durations in seconds. */
export interface DpopOptions {
  mode: DpopMode;
  /** Accepted proof algorithms. Default `['ES256', 'EdDSA', 'Ed25519', 'RS256']`. */
  algorithms?: DpopAlgorithm[];
  /** How old a proof's `iat` may be. Default 60. */
  proofMaxAge?: number;
  /** How far in the future a proof's `iat` may be (client clocks run fast). Default 5. */
  clockSkew?: number;
  /** Demand server nonces (`DPoP-Nonce`, `use_dpop_nonce`). Default `false`. */
  nonce?: boolean;
  /** How long a server nonce is issued before the next one; each is accepted for one to two of these. Default 300. */
  nonceLifetime?: number;
  /** Where used proofs are remembered. Default in memory (one instance); use `redisDpopReplayStore` with several. */
  replayStore?: DpopReplayStore;
  /**
   * The public origin clients call, e.g. `https://api.example.com`, that `htu` is checked against.
   * Default: from the request (protocol as the framework reports it, with `trust proxy`, and `Host`).
   */
  origin?: string;
  /**
   * Worker threads that check proof signatures, so that the signature math stays off the event loop.
   * Default 1, or 0 where Node sees a single CPU; 0 checks them on the event loop.
   */
  signatureThreads?: number;
}

/** The `dpop` option after defaults and validation; `false` when off. */
export interface ResolvedDpopOptions {
  mode: 'optional' | 'required';
  algorithms: DpopAlgorithm[];
  proofMaxAgeMs: number;
  clockSkewMs: number;
  nonceLifetimeMs: number | null;
  replayStore: DpopReplayStore;
  origin: string | null;
  signatureThreads: number;
}

/** Every key of `DpopOptions`, for the unknown-option check. */
export const DPOP_OPTION_KEYS = Object.keys({
  mode: 1, algorithms: 1, proofMaxAge: 1, clockSkew: 1, nonce: 1, nonceLifetime: 1, replayStore: 1, origin: 1, signatureThreads: 1,
} satisfies Record<keyof DpopOptions, 1>);

const ALGORITHMS: DpopAlgorithm[] = ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'PS256'];
const MAX_THREADS = 16;
const MODES = "'off', 'optional' or 'required'";

type Fail = (option: string, accepts: string, got: unknown) => Error;

/** Applies defaults to the `dpop` option (a mode, or `DpopOptions`) and validates it; `fail` builds the boot error. */
export function resolveDpopOptions(value: unknown, clock: Clock, fail: Fail): ResolvedDpopOptions | false {
  if (value === undefined || value === 'off') return false;
  const given = (typeof value === 'string' ? { mode: value } : value) as DpopOptions;
  if (!given || typeof given !== 'object') throw fail('dpop', `${MODES}, or { mode, algorithms?, proofMaxAge?, clockSkew?, nonce?, nonceLifetime?, replayStore?, origin?, signatureThreads? }`, value);
  const mode = given.mode;
  if (mode === 'off') return false;
  if (mode !== 'optional' && mode !== 'required') throw fail(typeof value === 'string' ? 'dpop' : 'dpop.mode', MODES, mode);
  const algorithms = given.algorithms ?? ['ES256', 'EdDSA', 'Ed25519', 'RS256'];
  if (!Array.isArray(algorithms) || algorithms.length === 0 || !algorithms.every((a) => ALGORITHMS.includes(a))) {
    throw fail('dpop.algorithms', `a non-empty array of ${ALGORITHMS.join(', ')}`, algorithms);
  }
  if (given.nonce !== undefined && typeof given.nonce !== 'boolean') throw fail('dpop.nonce', 'true or false', given.nonce);
  const store = given.replayStore;
  if (store !== undefined && typeof store?.claim !== 'function') throw fail('dpop.replayStore', 'an object with claim(key, ttlMs)', '[object]');
  return {
    mode,
    algorithms: [...new Set(algorithms)],
    proofMaxAgeMs: seconds('dpop.proofMaxAge', given.proofMaxAge ?? 60, fail),
    clockSkewMs: seconds('dpop.clockSkew', given.clockSkew ?? 5, fail, true),
    nonceLifetimeMs: given.nonce ? seconds('dpop.nonceLifetime', given.nonceLifetime ?? 300, fail) : null,
    replayStore: store ?? new MemoryDpopReplayStore(clock),
    origin: given.origin === undefined ? null : originOf(given.origin, fail),
    signatureThreads: threads(given.signatureThreads ?? defaultSignatureThreads(), fail),
  };
}

function seconds(option: string, value: unknown, fail: Fail, zeroAllowed = false): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (zeroAllowed ? value >= 0 : value > 0) && value <= 86_400;
  if (!ok) throw fail(option, `a ${zeroAllowed ? 'non-negative' : 'positive'} number of seconds, at most 86400`, value);
  return Math.round(value * 1000);
}

/** One signature worker, unless Node sees a single CPU: there a worker would only add its messages. */
export function defaultSignatureThreads(cpus = availableParallelism()): number {
  return cpus > 1 ? 1 : 0;
}

function threads(value: unknown, fail: Fail): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_THREADS) return value;
  throw fail('dpop.signatureThreads', `a whole number from 0 (check on the event loop) to ${MAX_THREADS}`, value);
}

function originOf(value: unknown, fail: Fail): string {
  try {
    const url = new URL(value as string);
    if ((url.protocol === 'https:' || url.protocol === 'http:') && url.pathname === '/' && !url.search && !url.hash && !url.username) return url.origin;
  } catch {
    // reported below
  }
  throw fail('dpop.origin', 'an http(s) origin such as "https://api.example.com" (no path, query or credentials)', value);
}
