import { ParsedToken, TokenFormat } from './token-format';
import { TokenHasher } from './token-hasher';
import { TokenRecord } from './storage/token.entity';
import { TokenStore } from './storage/token.store';

/**
 * The one path from a presented token string to its row: parse and checksum first (garbage costs no
 * I/O), then one indexed lookup by key id, then a constant-time digest check. Every route uses it.
 */
export class TokenLookup {
  constructor(
    private readonly format: TokenFormat,
    private readonly hasher: TokenHasher,
    private readonly store: TokenStore,
  ) {}

  /** The token's parts, or `null` when it is malformed (never throws, never touches the database). */
  parse(token: unknown): ParsedToken | null {
    return this.format.parse(token);
  }

  /**
   * The row of a token this server issued, of the parsed kind, whose secret matches; `null` otherwise.
   * `known` (a cached row) replaces the database lookup, never the secret check.
   */
  async find(parsed: ParsedToken, known?: TokenRecord): Promise<TokenRecord | null> {
    return this.check(parsed, known ?? (await this.store.findByKeyId(parsed.keyId)));
  }

  /** `record` when it is of the parsed kind and the secret matches its digest (a cached row needs no I/O). */
  check(parsed: ParsedToken, record: TokenRecord | null): TokenRecord | null {
    return record && record.kind === parsed.kind && this.hasher.matches(record, parsed.keyId, parsed.secret) ? record : null;
  }
}
