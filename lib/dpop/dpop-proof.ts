import { createHash } from 'node:crypto';
import { Clock } from '../clock';
import { importPublicJwk, jwkThumbprint, PublicJwk, publicJwkOf } from './dpop-jwk';
import { normalizeHtu } from './dpop-htu';
import { DpopNonces } from './dpop-nonce';
import { DpopRefusalReason } from './dpop.exceptions';
import { ResolvedDpopOptions } from './dpop.options';
import { DecodedJwt, FastJwtApi } from './fast-jwt-loader';

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
const KEY_CACHE_MAX = 1000;
// fast-jwt names Ed25519 keys `EdDSA`; the fully-specified `Ed25519` (RFC 9864) verifies the same way.
const VERIFIER_ALGS: Record<string, string[]> = { Ed25519: ['EdDSA', 'Ed25519'] };

const fail = (reason: DpopRefusalReason): ProofCheck => ({ ok: false, reason });

/** A proof key's thumbprint and the signature check made for it. */
interface KnownKey {
  jkt: string;
  verify: (proof: string) => DecodedJwt;
}

/**
 * Checks one DPoP proof JWT (RFC 9449 section 4.3) with `fast-jwt` on node:crypto: header (`typ`, an
 * allowed asymmetric `alg`, a public `jwk`), signature, `htm`, `htu`, `iat` window, `ath`, `jti` and,
 * when on, the server nonce. It does not spend the `jti`: the caller claims it once everything else,
 * binding included, holds.
 */
export class DpopProofVerifier {
  // Thumbprints and signature checks by alg and key: a client signs every request with the same key.
  private readonly keys = new Map<string, KnownKey>();
  private readonly decode: (token: string) => DecodedJwt;

  constructor(
    private readonly jwt: FastJwtApi,
    private readonly options: ResolvedDpopOptions,
    private readonly clock: Clock,
    readonly nonces: DpopNonces | null,
  ) {
    this.decode = jwt.createDecoder({ complete: true });
  }

  async check(proof: unknown, expected: ProofExpectation): Promise<ProofCheck> {
    if (proof === undefined) return fail('missing');
    if (Array.isArray(proof)) return fail('multiple');
    if (typeof proof !== 'string' || proof.length > MAX_PROOF || proof.includes(',')) return fail(typeof proof === 'string' && proof.includes(',') ? 'multiple' : 'malformed');
    let header: Record<string, unknown>;
    try {
      ({ header } = this.decode(proof));
    } catch {
      return fail('malformed');
    }
    if (header.typ !== 'dpop+jwt') return fail('typ');
    const alg = header.alg;
    if (typeof alg !== 'string' || !(this.options.algorithms as string[]).includes(alg)) return fail('alg');
    const jwk = publicJwkOf(alg, header.jwk);
    const known = jwk && this.keyOf(alg, jwk);
    if (!known) return fail('jwk');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = known.verify(proof));
    } catch (error) {
      return fail(reasonOf(error));
    }
    return this.claims(payload, expected, known.jkt);
  }

  private claims(payload: Record<string, unknown>, expected: ProofExpectation, jkt: string): ProofCheck {
    if (!timeClaimsHold(payload, Math.floor(this.clock.now() / 1000))) return fail('malformed');
    if (payload.htm !== expected.method) return fail('htm');
    const htu = normalizeHtu(payload.htu);
    if (htu === null || htu !== normalizeHtu(expected.url)) return fail('htu');
    const iat = payload.iat;
    const now = this.clock.now();
    if (typeof iat !== 'number' || !Number.isFinite(iat) || iat * 1000 < now - this.options.proofMaxAgeMs || iat * 1000 > now + this.options.clockSkewMs) {
      return fail('iat');
    }
    const jti = payload.jti;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) return fail('jti');
    if (expected.accessToken !== undefined) {
      if (payload.ath !== createHash('sha256').update(expected.accessToken).digest('base64url')) return fail('ath');
    }
    if (this.nonces && !this.nonces.accepts(payload.nonce)) return fail('nonce');
    return { ok: true, jkt, replayKey: createHash('sha256').update(`${jkt}.${jti}`).digest('base64url') };
  }

  /** How long a used proof must be remembered: as long as its `iat` keeps it acceptable. */
  get replayTtlMs(): number {
    return this.options.proofMaxAgeMs + this.options.clockSkewMs;
  }

  /**
   * The key's RFC 7638 thumbprint and a verifier for it, cached by alg and the exact public key
   * material (a client presents the same key on every request, and the import costs more than the
   * signature check); `null` when node:crypto refuses the key.
   */
  private keyOf(alg: string, jwk: PublicJwk): KnownKey | null {
    // JSON of the alg and the members (in the fixed order publicJwkOf gives them) names one key exactly.
    const material = JSON.stringify([alg, jwk]);
    let known = this.keys.get(material);
    if (known === undefined) {
      const key = importPublicJwk(jwk);
      if (key === null) return null;
      const pem = key.export({ type: 'spki', format: 'pem' }) as string;
      try {
        const verify = this.jwt.createVerifier({ key: pem, algorithms: VERIFIER_ALGS[alg] ?? [alg], complete: true, checkTyp: 'dpop+jwt', ignoreExpiration: true, ignoreNotBefore: true });
        known = { jkt: jwkThumbprint(jwk), verify };
      } catch {
        return null;
      }
      if (this.keys.size >= KEY_CACHE_MAX) this.keys.clear();
      this.keys.set(material, known);
    }
    return known;
  }
}

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
