import { createHmac, timingSafeEqual } from 'node:crypto';
import { Clock } from '../clock';

const TAG_BYTES = 16;

/**
 * Server nonces (`DPoP-Nonce`, RFC 9449 section 8) without shared state: a nonce is a time slot and
 * an HMAC of it under a key derived from the server secret, so every instance issues and accepts the
 * same ones. A nonce is good for its slot and the next one (one to two lifetimes).
 */
export class DpopNonces {
  private readonly key: Buffer;
  private current: { slot: number; nonce: string } = { slot: -1, nonce: '' };

  constructor(
    secret: string | Buffer,
    private readonly lifetimeMs: number,
    private readonly clock: Clock,
  ) {
    this.key = createHmac('sha256', secret).update('nest-token-auth DPoP nonce').digest();
  }

  /** The nonce to hand out now. */
  issue(): string {
    const slot = this.slot();
    if (this.current.slot !== slot) this.current = { slot, nonce: this.make(slot) };
    return this.current.nonce;
  }

  /** Whether `nonce` was issued in the current or the previous slot. */
  accepts(nonce: unknown): boolean {
    if (typeof nonce !== 'string' || nonce.length > 64) return false;
    const bytes = Buffer.from(nonce, 'base64url');
    if (bytes.length !== 6 + TAG_BYTES || bytes.toString('base64url') !== nonce) return false;
    const slot = bytes.readUIntBE(0, 6);
    const now = this.slot();
    if (slot !== now && slot !== now - 1) return false;
    return timingSafeEqual(bytes.subarray(6), this.tag(bytes.subarray(0, 6)));
  }

  private slot(): number {
    return Math.floor(this.clock.now() / this.lifetimeMs);
  }

  private make(slot: number): string {
    const head = Buffer.alloc(6);
    head.writeUIntBE(slot, 0, 6);
    return Buffer.concat([head, this.tag(head)]).toString('base64url');
  }

  private tag(head: Buffer): Buffer {
    return createHmac('sha256', this.key).update(head).digest().subarray(0, TAG_BYTES);
  }
}
