import { createHash, createHmac, generateKeyPairSync, KeyObject, randomUUID, sign } from 'node:crypto';
import { calculateThumbprint, generateKeyPair, generateProof, KeyPair } from 'dpop';

/**
 * The client side of the DPoP tests. Valid proofs come from panva's `dpop` package (an independent
 * RFC 9449 implementation on WebCrypto), never from the server's code; hostile proofs that no honest
 * client library would make are assembled here by hand with node:crypto.
 */
export { calculateThumbprint, generateKeyPair, generateProof, type KeyPair };

const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** `ath`: the base64url SHA-256 of an access token. */
export const athOf = (token: string) => createHash('sha256').update(token).digest('base64url');

/** An ES256 key pair as node KeyObjects, with its public and private JWKs. */
export function nodeEcKey(): { privateKey: KeyObject; publicJwk: Record<string, unknown>; privateJwk: Record<string, unknown> } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicJwk: publicKey.export({ format: 'jwk' }), privateJwk: privateKey.export({ format: 'jwk' }) };
}

/** Claims of a proof for `htm htu` at the current time of `clockMs`. */
export function claims(htm: string, htu: string, clockMs: number, extra: Record<string, unknown> = {}) {
  return { htm, htu, iat: Math.floor(clockMs / 1000), jti: randomUUID(), ...extra };
}

/** An ES256-signed JWT with any header (e.g. a private key in `jwk`). */
export function es256Jwt(header: Record<string, unknown>, payload: object, key: KeyObject): string {
  const input = `${part(header)}.${part(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

/** An HS256 JWT (a symmetric algorithm, which a proof must never use). */
export function hs256Jwt(header: Record<string, unknown>, payload: object, secret: string): string {
  const input = `${part({ ...header, alg: 'HS256' })}.${part(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** An unsigned JWT (`alg: none`). */
export function unsignedJwt(header: Record<string, unknown>, payload: object): string {
  return `${part({ ...header, alg: 'none' })}.${part(payload)}.`;
}
