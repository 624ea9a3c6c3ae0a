import { createHash, createPublicKey, KeyObject } from 'node:crypto';

/** The members RFC 7638 hashes per key type: all a public key is; anything else (notably private parts) is refused. */
const PUBLIC_MEMBERS: Record<string, string[]> = { EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'], RSA: ['e', 'n'] };
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
/** The key each proof algorithm takes: its type and, for EC and OKP, its one curve. */
const KEY_OF: Record<string, { kty: string; crv?: string }> = {
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  Ed25519: { kty: 'OKP', crv: 'Ed25519' },
  RS256: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
};
const MIN_RSA_BITS = 2048;

/** A public JWK reduced to the members RFC 7638 names for its type (`kty` included). */
export type PublicJwk = Record<string, string>;

/**
 * The public key of a proof's `jwk` header for `alg`, reduced to its required members; `null` when it
 * is no JSON object, carries private members, or is not of the type and curve `alg` takes.
 */
export function publicJwkOf(alg: string, jwk: unknown): PublicJwk | null {
  const wanted = KEY_OF[alg];
  if (!wanted || !jwk || typeof jwk !== 'object' || Array.isArray(jwk)) return null;
  const given = jwk as Record<string, unknown>;
  if (given.kty !== wanted.kty || PRIVATE_MEMBERS.some((m) => m in given)) return null;
  if (wanted.crv !== undefined && given.crv !== wanted.crv) return null;
  const publicJwk: PublicJwk = { kty: wanted.kty };
  for (const m of PUBLIC_MEMBERS[wanted.kty]) {
    if (typeof given[m] !== 'string') return null;
    publicJwk[m] = given[m] as string;
  }
  return publicJwk;
}

/**
 * Imports a key from `publicJwkOf` with node:crypto, which refuses malformed members and EC points off
 * the curve; `null` for those and for an RSA modulus under 2048 bits.
 */
export function importPublicJwk(jwk: PublicJwk): KeyObject | null {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    return null;
  }
  if (jwk.kty === 'RSA' && !((key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS)) return null;
  return key;
}

/** The RFC 7638 thumbprint: base64url SHA-256 of the required members as JSON, in lexicographic order, without spaces. */
export function jwkThumbprint(jwk: PublicJwk): string {
  const members = ['kty', ...PUBLIC_MEMBERS[jwk.kty]].sort();
  return createHash('sha256').update(JSON.stringify(Object.fromEntries(members.map((m) => [m, jwk[m]])))).digest('base64url');
}
