import { createHmac, KeyObject, createSecretKey } from 'node:crypto';
import { TokenFormat } from '../token-format';
import { HashingSecret } from '../token-hasher';
import { SuccessorPair } from './successor-seal';

/**
 * Before 0.2.0, a refresh token's successors were derived from its secret with a server key, and
 * spent rows carry no seal. This re-derives such a pair so a retried refresh that straddles the
 * upgrade still gets its identical answer instead of a reuse revocation. It is only asked about a
 * spent row without a seal, inside the grace window, and it never mints: new successors are random.
 * Once every pre-upgrade grace window has passed (seconds after the deploy) it matches nothing.
 */
export class LegacySuccessors {
  private readonly keys = new Map<string, KeyObject>();

  constructor(
    secrets: HashingSecret[],
    private readonly format: TokenFormat,
  ) {
    for (const { id, secret } of secrets) {
      const raw = Buffer.isBuffer(secret) ? secret : Buffer.from(secret, 'utf8');
      this.keys.set(id, createSecretKey(createHmac('sha256', raw).update('nest-token-auth/successor').digest()));
    }
  }

  /** The pair the old scheme derived for this predecessor, or `null` when its hashing key is gone. */
  pair(hashKeyId: string, predecessorSecret: string): SuccessorPair | null {
    const key = this.keys.get(hashKeyId);
    if (!key) return null;
    // HMAC-SHA-512 in counter mode, exactly as 0.1.x computed it.
    const entropy = (label: string) => (length: number) => {
      const blocks: Buffer[] = [];
      for (let i = 0; i * 64 < length; i++) blocks.push(createHmac('sha512', key).update(`${label}.${predecessorSecret}.${i}`).digest());
      return Buffer.concat(blocks).subarray(0, length);
    };
    return { access: this.format.mint('access', entropy('access')).token, refresh: this.format.mint('refresh', entropy('refresh')).token };
  }
}
