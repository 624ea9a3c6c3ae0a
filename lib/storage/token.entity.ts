import { EntitySchema, ValueTransformer } from 'typeorm';
import { TokenKind } from '../token-format';

/** One stored token. Times are epoch milliseconds; the plain token is never stored. */
export interface TokenRecord {
  id: string;
  /** Public lookup id taken from the token (unique). */
  keyId: string;
  /** HMAC-SHA-256 (hex) of the token secret. */
  digest: string;
  /** Which server secret keyed `digest`. */
  hashKeyId: string;
  userId: string;
  kind: TokenKind;
  /** Every token descended from one login shares its family id (the session id). */
  familyId: string;
  /** The refresh token this one was rotated from. */
  parentId: string | null;
  /** When the family's login happened. */
  loginAt: number;
  createdAt: number;
  expiresAt: number | null;
  absoluteExpiresAt: number | null;
  lastUsedAt: number | null;
  /** Refresh tokens: when it was exchanged for a successor. */
  spentAt: number | null;
  /**
   * Refresh tokens, for the grace window after they are spent: the successor pair, encrypted under a
   * key only the predecessor token yields (`successor-seal.ts`); wiped once the window has passed.
   */
  successorSeal: string | null;
  revokedAt: number | null;
  revokedReason: string | null;
  name: string | null;
  ip: string | null;
  userAgent: string | null;
  /** Space-separated scopes, or `null` for none. */
  scopes: string | null;
  /** RFC 7638 thumbprint of the DPoP key the session is bound to (RFC 9449); `null`: a bearer session. */
  dpopJkt: string | null;
}

/** Default name of the token table. */
export const DEFAULT_TOKEN_TABLE = 'auth_tokens';
export const TABLE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;

// PostgreSQL and MySQL return BIGINT as a string; epoch milliseconds fit a double exactly.
const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? null : Number(value)),
};

const schemas = new Map<string, EntitySchema<TokenRecord>>();

/** The TypeORM entity for a token table (one shared schema object per table name). */
export function tokenEntity(tableName: string = DEFAULT_TOKEN_TABLE): EntitySchema<TokenRecord> {
  let schema = schemas.get(tableName);
  if (!schema) {
    schema = buildSchema(tableName);
    schemas.set(tableName, schema);
  }
  return schema;
}

function buildSchema(table: string): EntitySchema<TokenRecord> {
  const time = (name: string, nullable: boolean) => ({ name, type: 'bigint' as const, nullable, transformer: epochMs });
  const text = (name: string, length: number, nullable = false) => ({ name, type: 'varchar' as const, length, nullable });
  return new EntitySchema<TokenRecord>({
    name: `TokenRecord_${table}`,
    tableName: table,
    columns: {
      id: { ...text('id', 36), primary: true },
      keyId: text('key_id', 16),
      digest: text('digest', 64),
      hashKeyId: text('hash_key_id', 32),
      userId: text('user_id', 64),
      kind: text('kind', 8),
      familyId: text('family_id', 36),
      parentId: text('parent_id', 36, true),
      loginAt: time('login_at', false),
      createdAt: time('created_at', false),
      expiresAt: time('expires_at', true),
      absoluteExpiresAt: time('absolute_expires_at', true),
      lastUsedAt: time('last_used_at', true),
      spentAt: time('spent_at', true),
      revokedAt: time('revoked_at', true),
      revokedReason: text('revoked_reason', 32, true),
      name: text('name', 100, true),
      ip: text('ip', 45, true),
      userAgent: text('user_agent', 255, true),
      scopes: text('scopes', 512, true),
      successorSeal: text('successor_seal', 255, true),
      dpopJkt: text('dpop_jkt', 64, true),
    },
    indices: [
      { name: `${table}_key_id_uq`, columns: ['keyId'], unique: true },
      { name: `${table}_user_idx`, columns: ['userId'] },
      { name: `${table}_family_idx`, columns: ['familyId'] },
    ],
  });
}

/** SQL for rows that count as live at `:now` (not spent, not revoked, not expired); `alias` prefixes the columns. */
export function liveCondition(alias = ''): string {
  const c = alias ? `${alias}.` : '';
  return `${c}revoked_at IS NULL AND ${c}spent_at IS NULL AND (${c}expires_at IS NULL OR ${c}expires_at > :now) AND (${c}absolute_expires_at IS NULL OR ${c}absolute_expires_at > :now)`;
}
