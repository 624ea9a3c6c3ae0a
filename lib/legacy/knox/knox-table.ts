import { DataSource } from 'typeorm';
import { StoreDialect } from '../../storage/store-dialect';

/** One row of a knox table (times in epoch ms; knox writes UTC). */
export interface KnoxRow {
  digest: string;
  tokenKey: string;
  userId: string;
  created: number;
  expiry: number | null;
}

/**
 * Reads and writes an existing knox table with plain SQL: it is never a TypeORM entity, so
 * `synchronize` and migrations can never alter the schema Django owns. Knox's columns are
 * `digest` (primary key), `token_key` (indexed), `user_id`, `created`, `expiry`. Django keeps
 * datetimes as `timestamptz` (PostgreSQL), naive-UTC `datetime(6)` (MySQL/MariaDB) or naive-UTC text
 * (SQLite); every time crosses this file as naive-UTC text, which all three compare correctly.
 */
export class KnoxTable {
  private readonly dialect: StoreDialect;
  private readonly table: string;
  private readonly columns: string;

  constructor(
    private readonly dataSource: DataSource,
    table: string,
  ) {
    this.dialect = new StoreDialect(dataSource);
    const quote = this.dialect.name === 'mysql' ? (name: string) => `\`${name}\`` : (name: string) => `"${name}"`;
    this.table = table.split('.').map(quote).join('.');
    this.columns = `digest, token_key, user_id, ${this.time('created')} AS created, ${this.time('expiry')} AS expiry`;
  }

  /** The rows whose `token_key` is `tokenKey`: one indexed query, as knox itself runs. */
  async candidates(tokenKey: string): Promise<KnoxRow[]> {
    return (await this.dataSource.query(`SELECT ${this.columns} FROM ${this.table} WHERE token_key = ${this.p(1)}`, [tokenKey])).map(rowOf);
  }

  /** Deletes one row (logout, an expired row, an exchange); `true` when this call deleted it. */
  delete(digest: string): Promise<boolean> {
    return this.changes(`DELETE FROM ${this.table} WHERE digest = ${this.p(1)}`, [digest]).then((n) => n === 1);
  }

  /** Puts back a row `delete` took (an exchange whose new session could not be stored). */
  async restore(row: KnoxRow): Promise<void> {
    const values = [row.digest, row.tokenKey, row.userId, this.at(row.created), row.expiry === null ? null : this.at(row.expiry)];
    await this.changes(`INSERT INTO ${this.table} (digest, token_key, user_id, created, expiry) VALUES (${[1, 2, 3, 4, 5].map((i) => this.p(i)).join(', ')})`, values);
  }

  /** Moves a row's expiry forward (auto-refresh); never backward, so racing uses cannot shorten it. */
  refresh(digest: string, expiry: number): Promise<boolean> {
    const at = this.at(expiry);
    return this.changes(`UPDATE ${this.table} SET expiry = ${this.p(1)} WHERE digest = ${this.p(2)} AND expiry IS NOT NULL AND expiry < ${this.p(3)}`, [
      at,
      digest,
      at,
    ]).then((n) => n === 1);
  }

  /** Deletes every row of a user but `exceptDigest` (knox's logoutall deletes them all). */
  deleteUser(userId: string, exceptDigest?: string): Promise<number> {
    const spare = exceptDigest === undefined ? '' : ` AND digest <> ${this.p(2)}`;
    return this.changes(`DELETE FROM ${this.table} WHERE user_id = ${this.p(1)}${spare}`, exceptDigest === undefined ? [userId] : [userId, exceptDigest]);
  }

  /** The user's rows knox counts as live (`expiry` after now, or none), as its login limit does. */
  async liveOfUser(userId: string, now: number): Promise<KnoxRow[]> {
    const sql = `SELECT ${this.columns} FROM ${this.table} WHERE user_id = ${this.p(1)} AND (expiry IS NULL OR expiry > ${this.p(2)})`;
    return (await this.dataSource.query(sql, [userId, this.at(now)])).map(rowOf);
  }

  /** How many live rows the user holds. */
  async countLive(userId: string, now: number): Promise<number> {
    const sql = `SELECT COUNT(*) AS n FROM ${this.table} WHERE user_id = ${this.p(1)} AND (expiry IS NULL OR expiry > ${this.p(2)})`;
    const [row] = await this.dataSource.query(sql, [userId, this.at(now)]);
    return Number(row?.n ?? 0);
  }

  /** Deletes (or, on a dry run, counts) the rows expired before `now`. */
  async purgeExpired(now: number, dryRun = false): Promise<number> {
    const where = `WHERE expiry IS NOT NULL AND expiry < ${this.p(1)}`;
    if (!dryRun) return this.changes(`DELETE FROM ${this.table} ${where}`, [this.at(now)]);
    const [row] = await this.dataSource.query(`SELECT COUNT(*) AS n FROM ${this.table} ${where}`, [this.at(now)]);
    return Number(row?.n ?? 0);
  }

  private changes(sql: string, params: unknown[]): Promise<number> {
    return this.dialect.serialize(async () => {
      const runner = this.dataSource.createQueryRunner();
      try {
        return (await runner.query(sql, params, true)).affected ?? 0;
      } finally {
        await runner.release();
      }
    });
  }

  /** A time parameter; PostgreSQL is told it is UTC, whatever the session's time zone. */
  private at(ms: number): string {
    return this.dialect.name === 'postgres' ? `${utcText(ms)}+00` : utcText(ms);
  }

  private p(index: number): string {
    return this.dialect.name === 'postgres' ? `$${index}` : '?';
  }

  /** A datetime column as naive-UTC text `YYYY-MM-DD HH:MM:SS[.ffffff]`. */
  private time(column: string): string {
    if (this.dialect.name === 'postgres') return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`;
    if (this.dialect.name === 'mysql') return `DATE_FORMAT(${column}, '%Y-%m-%d %H:%i:%s.%f')`;
    return column;
  }
}

/** Epoch ms as the naive-UTC text Django writes (`str(datetime)` with microseconds). */
export function utcText(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23).replace('T', ' ')}000`;
}

/** Naive-UTC text (with or without fraction; a trailing `+00:00`/`Z` is accepted) as epoch ms. */
export function parseUtcText(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:Z|[+-]00(?::?00)?)?$/.exec(text);
  if (!m) throw new Error(`knox table: unreadable datetime "${text}"`);
  const ms = m[7] ? Math.floor(Number(m[7].padEnd(6, '0')) / 1000) : 0;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms);
}

function rowOf(raw: Record<string, unknown>): KnoxRow {
  return {
    digest: String(raw.digest),
    tokenKey: String(raw.token_key),
    userId: String(raw.user_id),
    created: parseUtcText(String(raw.created)),
    expiry: raw.expiry === null || raw.expiry === undefined ? null : parseUtcText(String(raw.expiry)),
  };
}
