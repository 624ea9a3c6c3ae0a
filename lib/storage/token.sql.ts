import { DataSource, EntityMetadata } from 'typeorm';
import { TokenRecord } from './token.entity';
import { DialectName } from './store-dialect';

const TIME_PROPERTIES = new Set<string>(['loginAt', 'createdAt', 'expiresAt', 'absoluteExpiresAt', 'lastUsedAt', 'spentAt', 'revokedAt']);

/**
 * The text of the token store's hot-path statements for one table and dialect, built once from the
 * entity metadata (so table names, schemas and quoting follow TypeORM). Parameters are positional:
 * `values()` and the comments give their order.
 */
export class TokenSql {
  /** [keyId] → every column in entity order, as a tuple for `record()`. */
  readonly selectByKeyId: string;
  /** PostgreSQL only, [keyIds array]: `selectByKeyId` for several key ids at once (see `keyIdOf`). */
  readonly selectByKeyIds: string | null;
  /** [now, id, now]: records a use unless a later one is already recorded. */
  readonly touch: string;
  /** [now, slideTo, id, now, slideTo]: records a use and slides the expiry; never revives, never shortens. */
  readonly slide: string;
  /** [now, now, seal, id]: spends a refresh token and seals its successors; matches only while it is unspent and not revoked. */
  readonly spend: string;
  /** `values(row)`: one row. */
  readonly insert: string;
  /** PostgreSQL only, [ids, nows]: `touch` for several rows at once; returns the ids it changed. */
  readonly touchMany: string | null;
  /** PostgreSQL only, [ids, nows, slideTos]: `slide` for several rows at once; returns the ids it changed. */
  readonly slideMany: string | null;
  /**
   * PostgreSQL only, [ids, nows, seals, rowsJson]: `spend` for several refresh tokens and their
   * successors' INSERT as one statement (one round trip, one implicit transaction). A successor row is
   * inserted only if its parent's spend matched; returns the ids spent. `ids` must be distinct.
   */
  readonly rotateMany: string | null;

  private readonly columns: { name: string; property: keyof TokenRecord }[];
  private readonly keyIdColumn: number;

  constructor(dataSource: DataSource, metadata: EntityMetadata, dialect: DialectName) {
    const quote = (name: string) => dataSource.driver.escape(name);
    const table = metadata.tablePath.split('.').map(quote).join('.');
    this.columns = metadata.columns.map((column) => ({ name: column.databaseName, property: column.propertyName as keyof TokenRecord }));
    // A fresh placeholder sequence per statement: `$1, $2, …` on PostgreSQL, `?` elsewhere.
    const fresh = () => {
      let index = 0;
      return () => (dialect === 'postgres' ? `$${++index}` : '?');
    };

    let next = fresh();
    this.selectByKeyId = `SELECT ${this.columns.map((c) => quote(c.name)).join(', ')} FROM ${table} WHERE key_id = ${next()}`;
    this.selectByKeyIds = dialect === 'postgres' ? `SELECT ${this.columns.map((c) => quote(c.name)).join(', ')} FROM ${table} WHERE key_id = ANY($1)` : null;
    this.keyIdColumn = this.columns.findIndex((c) => c.property === 'keyId');
    next = fresh();
    this.touch = `UPDATE ${table} SET last_used_at = ${next()} WHERE id = ${next()} AND (last_used_at IS NULL OR last_used_at < ${next()})`;
    next = fresh();
    this.slide = `UPDATE ${table} SET last_used_at = ${next()}, expires_at = ${next()} WHERE id = ${next()} AND revoked_at IS NULL AND expires_at > ${next()} AND expires_at < ${next()}`;
    next = fresh();
    this.spend = `UPDATE ${table} SET spent_at = ${next()}, last_used_at = ${next()}, successor_seal = ${next()} WHERE id = ${next()} AND spent_at IS NULL AND revoked_at IS NULL`;
    next = fresh();
    this.insert = `INSERT INTO ${table} (${this.columns.map((c) => quote(c.name)).join(', ')}) VALUES (${this.columns.map(() => next()).join(', ')})`;
    const id = quote('id');
    const lastUsed = quote('last_used_at');
    const expires = quote('expires_at');
    this.touchMany =
      dialect === 'postgres'
        ? `UPDATE ${table} AS t SET ${lastUsed} = u.now FROM unnest($1::varchar[], $2::bigint[]) AS u(id, now) ` +
          `WHERE t.${id} = u.id AND (t.${lastUsed} IS NULL OR t.${lastUsed} < u.now) RETURNING t.${id}`
        : null;
    this.slideMany =
      dialect === 'postgres'
        ? `UPDATE ${table} AS t SET ${lastUsed} = u.now, ${expires} = u.slide_to FROM unnest($1::varchar[], $2::bigint[], $3::bigint[]) AS u(id, now, slide_to) ` +
          `WHERE t.${id} = u.id AND t.${quote('revoked_at')} IS NULL AND t.${expires} > u.now AND t.${expires} < u.slide_to RETURNING t.${id}`
        : null;
    // The successors arrive as one JSON array of rows, typed by the table's own row type.
    this.rotateMany =
      dialect === 'postgres'
        ? `WITH spent AS (UPDATE ${table} AS t SET spent_at = u.now, last_used_at = u.now, successor_seal = u.seal ` +
          `FROM unnest($1::varchar[], $2::bigint[], $3::varchar[]) AS u(id, now, seal) ` +
          `WHERE t.${id} = u.id AND t.spent_at IS NULL AND t.revoked_at IS NULL RETURNING t.${id}), ` +
          `successors AS (INSERT INTO ${table} SELECT r.* FROM jsonb_populate_recordset(NULL::${table}, $4::jsonb) AS r ` +
          `WHERE r.parent_id IN (SELECT ${id} FROM spent)) ` +
          `SELECT ${id} FROM spent`
        : null;
  }

  /** A `selectByKeyId` tuple as a record; BIGINT times arrive as strings from PostgreSQL and MySQL. */
  record(tuple: unknown[]): TokenRecord {
    const record: Record<string, unknown> = {};
    const columns = this.columns;
    for (let i = 0; i < columns.length; i++) {
      const value = tuple[i];
      record[columns[i].property] = value !== null && TIME_PROPERTIES.has(columns[i].property) ? Number(value) : value;
    }
    return record as unknown as TokenRecord;
  }

  /** The key id of a `selectByKeyId(s)` tuple. */
  keyIdOf(tuple: unknown[]): string {
    return tuple[this.keyIdColumn] as string;
  }

  /** A row's values in the order of `insert`'s parameters. */
  values(row: TokenRecord): unknown[] {
    return this.columns.map((c) => row[c.property]);
  }

  /** Rows as the JSON `rotateMany` expects (keys are column names). */
  json(rows: TokenRecord[]): string {
    const columns = this.columns;
    const objects = new Array<Record<string, unknown>>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const object: Record<string, unknown> = {};
      for (const column of columns) object[column.name] = rows[i][column.property];
      objects[i] = object;
    }
    return JSON.stringify(objects);
  }
}
