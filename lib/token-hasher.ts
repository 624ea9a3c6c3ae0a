import { createHmac, KeyObject, createSecretKey, timingSafeEqual } from 'node:crypto';
import { EntropySource } from './token-format';

/** A server secret used to key token digests; `id` is stored beside each digest so secrets can rotate. */
export interface HashingSecret {
  id: string;
  secret: string | Buffer;
}

interface DerivedKeys {
  digest: KeyObject;
  successor: KeyObject;
}

/**
 * The one place that hashes and compares token secrets. Digests are HMAC-SHA-256 keyed by a server
 * secret (never bcrypt: tokens carry 190 random bits, so a fast keyed hash is both safe and cheap).
 * The first secret signs new tokens; the others still verify tokens issued under them.
 */
export class TokenHasher {
  private readonly keys = new Map<string, DerivedKeys>();
  readonly currentKeyId: string;

  constructor(secrets: HashingSecret[]) {
    for (const { id, secret } of secrets) {
      const raw = Buffer.isBuffer(secret) ? secret : Buffer.from(secret, 'utf8');
      this.keys.set(id, {
        digest: createSecretKey(hmac(raw, 'nest-token-auth/digest')),
        successor: createSecretKey(hmac(raw, 'nest-token-auth/successor')),
      });
    }
    this.currentKeyId = secrets[0].id;
  }

  /** Hex digest of a token secret, bound to its key id; `null` when the hashing key is unknown. */
  digest(keyId: string, secret: string, hashKeyId = this.currentKeyId): string | null {
    const keys = this.keys.get(hashKeyId);
    return keys ? mac(keys, keyId, secret).toString('hex') : null;
  }

  /** Constant-time check of a presented secret against a stored digest. */
  matches(stored: { digest: string; hashKeyId: string }, keyId: string, secret: string): boolean {
    const keys = this.keys.get(stored.hashKeyId);
    if (!keys) return false;
    const expected = Buffer.from(stored.digest, 'hex');
    const computed = mac(keys, keyId, secret);
    return expected.length === computed.length && timingSafeEqual(computed, expected);
  }

  /**
   * Deterministic entropy for a refresh token's successor: the same predecessor secret always
   * yields the same successor tokens, so a replay inside the grace window can be answered with the
   * identical pair without storing any plain token. Only the server key can compute it.
   */
  successorEntropy(hashKeyId: string, predecessorSecret: string, label: string): EntropySource | null {
    const keys = this.keys.get(hashKeyId);
    if (!keys) return null;
    // HMAC in counter mode (NIST SP 800-108): block i depends only on i, so a longer request extends a
    // shorter one. Several times cheaper than hkdfSync, which rebuilds a key object on every call.
    return (length) => {
      const blocks: Buffer[] = [];
      for (let i = 0; i * 64 < length; i++) blocks.push(createHmac('sha512', keys.successor).update(`${label}.${predecessorSecret}.${i}`).digest());
      return Buffer.concat(blocks).subarray(0, length);
    };
  }
}

function mac(keys: DerivedKeys, keyId: string, secret: string): Buffer {
  // One update of the joined text: the same bytes (and digest) as three, a third cheaper.
  return createHmac('sha256', keys.digest).update(`${keyId}.${secret}`).digest();
}

function hmac(key: Buffer, label: string): Buffer {
  return createHmac('sha256', key).update(label).digest();
}
