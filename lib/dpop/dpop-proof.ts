import { createHash } from 'node:crypto';
import { Clock } from '../clock';
import { normalizeHtu } from './dpop-htu';
import { DpopNonces } from './dpop-nonce';
import { DpopRefusalReason } from './dpop.exceptions';
import { ResolvedDpopOptions } from './dpop.options';
import { JoseApi } from './jose-loader';

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
/** The members RFC 7638 hashes per key type: all a public key is; anything else (notably private parts) is refused. */
const PUBLIC_MEMBERS: Record<string, string[]> = { EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'], RSA: ['e', 'n'] };
const FAMILY: Record<string, string> = { ES256: 'EC', ES384: 'EC', ES512: 'EC', EdDSA: 'OKP', Ed25519: 'OKP', RS256: 'RSA', PS256: 'RSA' };
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const fail = (reason: DpopRefusalReason): ProofCheck => ({ ok: false, reason });

/**
 * Checks one DPoP proof JWT (RFC 9449 section 4.3) with `jose`: header (`typ`, an allowed asymmetric
 * `alg`, a public `jwk`), signature, `htm`, `htu`, `iat` window, `ath`, `jti` and, when on, the server
 * nonce. It does not spend the `jti`: the caller claims it once everything else, binding included, holds.
 */
export class DpopProofVerifier {
  // Imported public keys by thumbprint and alg: a client signs every request with the same key.
  private readonly keys = new Map<string, { jkt: string; key: unknown }>();

  constructor(
    private readonly jose: JoseApi,
    private readonly options: ResolvedDpopOptions,
    private readonly clock: Clock,
    readonly nonces: DpopNonces | null,
  ) {}

  async check(proof: unknown, expected: ProofExpectation): Promise<ProofCheck> {
    if (proof === undefined) return fail('missing');
    if (Array.isArray(proof)) return fail('multiple');
    if (typeof proof !== 'string' || proof.length > MAX_PROOF || proof.includes(',')) return fail(typeof proof === 'string' && proof.includes(',') ? 'multiple' : 'malformed');
    let header: Record<string, unknown>;
    try {
      header = this.jose.decodeProtectedHeader(proof);
    } catch {
      return fail('malformed');
    }
    if (header.typ !== 'dpop+jwt') return fail('typ');
    const alg = header.alg;
    if (typeof alg !== 'string' || !(this.options.algorithms as string[]).includes(alg)) return fail('alg');
    const jwk = header.jwk as Record<string, unknown> | undefined;
    if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk) || jwk.kty !== FAMILY[alg] || PRIVATE_MEMBERS.some((m) => m in jwk)) return fail('jwk');
    const members = PUBLIC_MEMBERS[jwk.kty as string];
    if (!members.every((m) => typeof jwk[m] === 'string')) return fail('jwk');
    const publicJwk: Record<string, unknown> = { kty: jwk.kty };
    for (const m of members) publicJwk[m] = jwk[m];
    let payload: Record<string, unknown>;
    let jkt: string;
    try {
      let key: unknown;
      ({ jkt, key } = await this.keyOf(alg, publicJwk, members));
      const now = new Date(this.clock.now());
      ({ payload } = await this.jose.jwtVerify(proof, key, { algorithms: [alg], typ: 'dpop+jwt', currentDate: now }));
    } catch (error) {
      return fail(reasonOf(error));
    }
    return this.claims(payload, expected, jkt);
  }

  private claims(payload: Record<string, unknown>, expected: ProofExpectation, jkt: string): ProofCheck {
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
   * The key's RFC 7638 thumbprint and imported form, cached by the exact public key material (a
   * client presents the same key on every request, and both cost more than the signature check).
   */
  private async keyOf(alg: string, jwk: Record<string, unknown>, members: string[]): Promise<{ jkt: string; key: unknown }> {
    // Base64url members never contain '&' or '=', so this text names one key exactly.
    const material = `${alg}&${jwk.kty}&${members.map((m) => `${m}=${jwk[m]}`).join('&')}`;
    let known = this.keys.get(material);
    if (known === undefined) {
      known = { jkt: await this.jose.calculateJwkThumbprint(jwk, 'sha256'), key: await this.jose.importJWK(jwk, alg) };
      if (this.keys.size >= KEY_CACHE_MAX) this.keys.clear();
      this.keys.set(material, known);
    }
    return known;
  }
}

/** `jose`'s error codes mapped to refusal reasons; anything unexpected counts as a malformed proof. */
function reasonOf(error: unknown): DpopRefusalReason {
  switch ((error as { code?: string })?.code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'signature';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'alg';
    case 'ERR_JWK_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'jwk';
    default:
      // WebCrypto refusing the key material (a point off the curve, a short RSA modulus) lands here too.
      return error instanceof TypeError || (error as Error)?.name === 'DataError' ? 'jwk' : 'malformed';
  }
}
