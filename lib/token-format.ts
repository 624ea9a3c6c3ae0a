import { secureRandomBytes } from './secure-random';
import { crc32 } from 'node:zlib';

/** The two kinds of token the module issues: bearer (access) tokens and one-time refresh tokens. */
export type TokenKind = 'access' | 'refresh';

/** A token split into its parts after its checksum has been verified. */
export interface ParsedToken {
  kind: TokenKind;
  /** Public, random lookup id (indexed, unique). Safe to log. */
  keyId: string;
  /** The secret part; never stored, never logged. */
  secret: string;
}

/** A freshly minted token and its parts. */
export interface MintedToken extends ParsedToken {
  token: string;
}

/** Supplies `length` bytes; for derived tokens it must return the same prefix for a longer length. */
export type EntropySource = (length: number) => Buffer;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_ID_LENGTH = 12;
/** 32 base62 characters carry 190 bits of secret entropy. */
const SECRET_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const BODY_LENGTH = KEY_ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH;
const KIND_TAGS: Record<TokenKind, string> = { access: 'at', refresh: 'rt' };
const BODY_PATTERN = /^[0-9A-Za-z]+$/;
export const TOKEN_PREFIX_PATTERN = /^[A-Za-z0-9]{1,16}$/;

/**
 * The one place that knows what a token looks like:
 * `<prefix>_<at|rt>_<keyId:12><secret:32><crc32:6>`, all base62.
 * Parsing checks length, alphabet and checksum, so garbage is refused without any I/O.
 */
export class TokenFormat {
  private readonly heads: Record<TokenKind, string>;
  private readonly tokenLength: number;

  constructor(private readonly prefix: string) {
    if (!TOKEN_PREFIX_PATTERN.test(prefix)) {
      throw new Error(`token prefix must match ${TOKEN_PREFIX_PATTERN}`);
    }
    this.heads = { access: `${prefix}_${KIND_TAGS.access}_`, refresh: `${prefix}_${KIND_TAGS.refresh}_` };
    this.tokenLength = this.heads.access.length + BODY_LENGTH;
  }

  /** A regular expression matching every token of this format (for secret scanners and docs). */
  get pattern(): RegExp {
    return new RegExp(`\\b${this.prefix}_(?:at|rt)_[0-9A-Za-z]{${BODY_LENGTH}}\\b`);
  }

  /** Mints a token; pass a deterministic entropy source to derive a reproducible one. */
  mint(kind: TokenKind, entropy: EntropySource = secureRandomBytes): MintedToken {
    const chars = base62FromEntropy(entropy, KEY_ID_LENGTH + SECRET_LENGTH);
    const keyId = chars.slice(0, KEY_ID_LENGTH);
    const secret = chars.slice(KEY_ID_LENGTH);
    const unsigned = this.heads[kind] + keyId + secret;
    return { kind, keyId, secret, token: unsigned + checksum(unsigned) };
  }

  /** Returns the parts of a well-formed token, or `null` for anything else (never throws). */
  parse(token: unknown): ParsedToken | null {
    if (typeof token !== 'string' || token.length !== this.tokenLength) return null;
    let kind: TokenKind;
    if (token.startsWith(this.heads.access)) kind = 'access';
    else if (token.startsWith(this.heads.refresh)) kind = 'refresh';
    else return null;
    const body = token.slice(this.heads[kind].length);
    if (!BODY_PATTERN.test(body)) return null;
    const unsigned = token.slice(0, token.length - CHECKSUM_LENGTH);
    if (checksum(unsigned) !== body.slice(KEY_ID_LENGTH + SECRET_LENGTH)) return null;
    return {
      kind,
      keyId: body.slice(0, KEY_ID_LENGTH),
      secret: body.slice(KEY_ID_LENGTH, KEY_ID_LENGTH + SECRET_LENGTH),
    };
  }
}

function checksum(text: string): string {
  let value = crc32(text);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/**
 * Uniform base62 by rejection sampling (bytes >= 248 are skipped, so no modulo bias). 16 spare bytes
 * almost always suffice (1 byte in 32 is skipped); otherwise it asks again for twice as many.
 */
function base62FromEntropy(entropy: EntropySource, count: number): string {
  for (let length = count + 16; ; length *= 2) {
    const bytes = entropy(length);
    let out = '';
    for (let i = 0; i < bytes.length && out.length < count; i++) {
      if (bytes[i] < 248) out += ALPHABET[bytes[i] % 62];
    }
    if (out.length === count) return out;
  }
}
