import { createHash } from 'node:crypto';
import { ResolvedKnoxOptions } from './knox.options';

/** A knox-shaped token: the indexed key to look its row up by, and the digest its row must hold. */
export interface KnoxParsedToken {
  tokenKey: string;
  digest: string;
}

/**
 * What a knox token looks like and how knox hashes it. Knox tokens carry no checksum, so the shape
 * is checked exactly (prefix, then `tokenLength` lowercase hex characters, as `binascii.hexlify`
 * writes them): anything else never reaches the database.
 */
export class KnoxTokenFormat {
  private readonly shape: RegExp;

  constructor(private readonly options: ResolvedKnoxOptions) {
    const prefix = options.tokenPrefix.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    this.shape = new RegExp(`^${prefix}[0-9a-f]{${options.tokenLength}}$`);
  }

  /** Whether `token` has the exact knox shape (no I/O). */
  accepts(token: unknown): token is string {
    return typeof token === 'string' && token.length === this.options.tokenPrefix.length + this.options.tokenLength && this.shape.test(token);
  }

  /** The lookup key and digest of a knox-shaped token, or `null` for anything else. */
  parse(token: unknown): KnoxParsedToken | null {
    if (!this.accepts(token)) return null;
    return { tokenKey: token.slice(0, this.options.keyLength), digest: this.digest(token) };
  }

  /**
   * Knox 5 hashes the token's text, prefix included (`make_hex_compatible` is UTF-8 encoding);
   * knox 4.2 hashed the bytes the hex stands for (`binascii.unhexlify`).
   */
  digest(token: string): string {
    const input = this.options.version === 4 ? Buffer.from(token, 'hex') : Buffer.from(token, 'utf8');
    return createHash(this.options.hashAlgorithm).update(input).digest('hex');
  }
}
