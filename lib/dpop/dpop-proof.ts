import { createHash, hash as cryptoHash } from 'node:crypto';
import { Clock } from '../clock';
import { importPublicJwk, jwkThumbprint, publicJwkOf } from './dpop-jwk';
import { normalizeHtu } from './dpop-htu';
import { DpopNonces } from './dpop-nonce';
import { DpopRefusalReason } from './dpop.exceptions';
import { ResolvedDpopOptions } from './dpop.options';
import { DecodedJwt, FastJwtApi } from './fast-jwt-loader';
import { inThreadSignatures, ProofSignatures, SignatureKey } from './signature-threads';

/** What a proof must match: the request it came with and, at a resource, the token it presents. */
export interface ProofExpectation {
  method: string;
  /** The request URI (absolute). */
  url: string;
  /** The access token presented with the proof (its hash must be `ath`); absent at login and refresh. */
  accessToken?: string;
}

/** A proof's outcome: the key's RFC 7638 thumbprint and the replay key, or why it was refused. */
export type ProofCheck = { ok: true; jkt: string; replayKey: string } | { ok: false; reason: DpopRefusalReason };

const MAX_PROOF = 8192;
/** Most entries of each per-key cache (checked headers, normalised URIs, the workers' verifiers). */
export const PROOF_CACHE_MAX = 1000;
// fast-jwt names Ed25519 keys `EdDSA`; the fully-specified `Ed25519` (RFC 9864) verifies the same way.
const VERIFIER_ALGS: Record<string, string[]> = { Ed25519: ['EdDSA', 'Ed25519'] };

/** The `createVerifier` options every proof key shares, in this thread and in the signature workers. */
export const PROOF_VERIFIER_OPTIONS = { complete: true, checkTyp: 'dpop+jwt', ignoreExpiration: true, ignoreNotBefore: true } as const;

const fail = (reason: DpopRefusalReason): ProofCheck => ({ ok: false, reason });

/** A proof key that passed the header checks: its thumbprint and what its signature check needs. */
interface KnownKey extends SignatureKey {
  jkt: string;
}

/**
 * Checks one DPoP proof JWT (RFC 9449 section 4.3) with `fast-jwt` on node:crypto: header (`typ`, an
 * allowed asymmetric `alg`, a public `jwk`), signature (in this thread or on the signature workers),
 * `htm`, `htu`, `iat` window, `ath`, `jti` and, when on, the server nonce. It does not spend the `jti`:
 * the caller claims it once everything else, binding included, holds.
 */
export class DpopProofVerifier {
  // Checked headers by their encoded text: a client sends the same header (its key) with every proof,
  // and decoding it, importing the key and computing the thumbprint cost more than the signature.
  private readonly headers = new Map<string, KnownKey>();
  // Normalised URIs by their text: a client calls the same few URIs.
  private readonly htus = new Map<string, string | null>();
  private readonly decode: (token: string) => DecodedJwt;

  constructor(
    private readonly jwt: FastJwtApi,
    private readonly options: ResolvedDpopOptions,
    private readonly clock: Clock,
    readonly nonces: DpopNonces | null,
    private readonly signatures: ProofSignatures = inThreadSignatures,
  ) {
    this.decode = jwt.createDecoder({ complete: true });
  }

  async check(proof: unknown, expected: ProofExpectation): Promise<ProofCheck> {
    if (proof === undefined) return fail('missing');
    if (Array.isArray(proof)) return fail('multiple');
    if (typeof proof !== 'string' || proof.length > MAX_PROOF || proof.includes(',')) return fail(typeof proof === 'string' && proof.includes(',') ? 'multiple' : 'malformed');
    const header = proof.slice(0, Math.max(0, proof.indexOf('.')));
    let known = this.headers.get(header);
    if (known === undefined) {
      const checked = this.checkHeader(proof);
      if (typeof checked === 'string') return fail(checked);
      known = remember(this.headers, header, checked);
    }
    let payload: Record<string, unknown>;
    try {
      payload = await this.signatures.verify(proof, known);
    } catch (error) {
      return fail(reasonOf(error));
    }
    return this.claims(payload, expected, known.jkt);
  }

  /** The header checks of a proof not seen before: `typ`, an allowed `alg`, and a public `jwk` for it that node:crypto imports. */
  private checkHeader(proof: string): KnownKey | DpopRefusalReason {
    let header: Record<string, unknown>;
    try {
      ({ header } = this.decode(proof));
    } catch {
      return 'malformed';
    }
    if (header.typ !== 'dpop+jwt') return 'typ';
    const alg = header.alg;
    if (typeof alg !== 'string' || !(this.options.algorithms as string[]).includes(alg)) return 'alg';
    const jwk = publicJwkOf(alg, header.jwk);
    const key = jwk && importPublicJwk(jwk);
    if (!jwk || !key) return 'jwk';
    const pem = key.export({ type: 'spki', format: 'pem' }) as string;
    const algorithms = VERIFIER_ALGS[alg] ?? [alg];
    try {
      const verify = this.jwt.createVerifier({ ...PROOF_VERIFIER_OPTIONS, key: pem, algorithms });
      return { jkt: jwkThumbprint(jwk), pem, algorithms: algorithms.join(','), verify };
    } catch {
      return 'jwk';
    }
  }

  private claims(payload: Record<string, unknown>, expected: ProofExpectation, jkt: string): ProofCheck {
    if (!timeClaimsHold(payload, Math.floor(this.clock.now() / 1000))) return fail('malformed');
    if (payload.htm !== expected.method) return fail('htm');
    const htu = this.normalized(payload.htu);
    if (htu === null || htu !== this.normalized(expected.url)) return fail('htu');
    const iat = payload.iat;
    const now = this.clock.now();
    if (typeof iat !== 'number' || !Number.isFinite(iat) || iat * 1000 < now - this.options.proofMaxAgeMs || iat * 1000 > now + this.options.clockSkewMs) {
      return fail('iat');
    }
    const jti = payload.jti;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) return fail('jti');
    if (expected.accessToken !== undefined && payload.ath !== sha256(expected.accessToken)) return fail('ath');
    if (this.nonces && !this.nonces.accepts(payload.nonce)) return fail('nonce');
    return { ok: true, jkt, replayKey: sha256(`${jkt}.${jti}`) };
  }

  /** How long a used proof must be remembered: as long as its `iat` keeps it acceptable. */
  get replayTtlMs(): number {
    return this.options.proofMaxAgeMs + this.options.clockSkewMs;
  }

  private normalized(uri: unknown): string | null {
    if (typeof uri !== 'string') return null;
    const known = this.htus.get(uri);
    return known !== undefined ? known : remember(this.htus, uri, normalizeHtu(uri));
  }
}

/** Adds to a bounded cache (emptied when full: a flood of new entries costs what no cache would). */
function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= PROOF_CACHE_MAX) cache.clear();
  cache.set(key, value);
  return value;
}

/** Base64url SHA-256 (`ath`, replay keys); node:crypto's one-shot `hash` where the Node version has it. */
const sha256: (text: string) => string =
  typeof (cryptoHash as unknown) === 'function' ? (text) => cryptoHash('sha256', text, 'base64url') : (text) => createHash('sha256').update(text).digest('base64url');

/**
 * `exp` and `nbf`, when present, against the module clock in whole seconds (`exp` is past once
 * reached), and every time claim a number: the checks jose made before, kept as they were.
 */
function timeClaimsHold(payload: Record<string, unknown>, nowS: number): boolean {
  const { iat, exp, nbf } = payload;
  if ([iat, exp, nbf].some((t) => t !== undefined && typeof t !== 'number')) return false;
  return !(typeof nbf === 'number' && nbf > nowS) && !(typeof exp === 'number' && exp <= nowS);
}

/** `fast-jwt`'s error codes mapped to refusal reasons; anything else counts as a malformed proof. */
function reasonOf(error: unknown): DpopRefusalReason {
  switch ((error as { code?: string })?.code) {
    case 'FAST_JWT_INVALID_SIGNATURE':
    case 'FAST_JWT_MISSING_SIGNATURE':
    case 'FAST_JWT_VERIFY_ERROR': // node:crypto could not read the signature (e.g. an ES256 one of the wrong length)
      return 'signature';
    case 'FAST_JWT_INVALID_ALGORITHM':
      return 'alg';
    case 'FAST_JWT_INVALID_KEY':
    case 'FAST_JWT_MISSING_KEY':
      return 'jwk';
    case 'FAST_JWT_INVALID_TYPE':
      return 'typ';
    default:
      // FAST_JWT_MALFORMED, FAST_JWT_INVALID_PAYLOAD, FAST_JWT_INVALID_CRIT_HEADER (no extension is understood)...
      return 'malformed';
  }
}
