import { createHash, createPrivateKey, generateKeyPairSync, JsonWebKey, KeyObject, randomUUID, sign } from 'node:crypto';

/** A DPoP-bound token as the load generator needs it: the token and its key's private JWK. */
export interface BoundToken {
  token: string;
  key: JsonWebKey;
}

const b64 = (text: string) => Buffer.from(text).toString('base64url');

/**
 * A bench client's P-256 key. The JWS header (with the public JWK) is encoded once, so a proof
 * costs one small JSON payload and one ES256 signature: the load generator shares the server's CPU.
 */
export class DpopKey {
  private readonly header: string;

  private constructor(private readonly privateKey: KeyObject) {
    const { kty, crv, x, y } = privateKey.export({ format: 'jwk' });
    this.header = b64(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } }));
  }

  static generate(): DpopKey {
    return new DpopKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  }

  static fromJwk(jwk: JsonWebKey): DpopKey {
    return new DpopKey(createPrivateKey({ key: jwk, format: 'jwk' }));
  }

  /** The private JWK, to hand the key to the load process. */
  toJwk(): JsonWebKey {
    return this.privateKey.export({ format: 'jwk' });
  }

  /** A fresh proof for `htm htu` (unique `jti`, `iat` now); `ath` when it goes with an access token. */
  proof(htm: string, htu: string, ath?: string): string {
    const claims: Record<string, unknown> = { htm, htu, iat: Math.floor(Date.now() / 1000), jti: randomUUID() };
    if (ath !== undefined) claims.ath = ath;
    const input = `${this.header}.${b64(JSON.stringify(claims))}`;
    return `${input}.${sign('sha256', Buffer.from(input), { key: this.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  }
}

/** `ath`: the base64url SHA-256 of an access token. */
export function athOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
