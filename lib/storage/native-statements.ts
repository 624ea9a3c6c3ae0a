import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DialectName } from './store-dialect';

/** A result row, keyed by the SELECT's aliases. */
export type Row = Record<string, unknown>;

/** One step of a synchronous SQLite transaction: runs a statement, returns the rows it changed. */
export type SqliteStep = (sql: string, params: unknown[]) => number;

/** better-sqlite3 statements prepared on one connection, by SQL text (a reopened DataSource gets new ones). */
const preparedByConnection = new WeakMap<object, Map<string, any>>();
/** One transaction wrapper per connection (better-sqlite3 prepares its BEGIN/COMMIT when it is made). */
const transactionByConnection = new WeakMap<object, (work: () => unknown) => unknown>();

/**
 * Runs the hot-path statements (token lookup, use, rotation) on the driver beneath TypeORM, without
 * a QueryRunner and query builder per call: on SQLite each is prepared once per connection and runs
 * synchronously, so it can never interleave with another request's; on PostgreSQL each is a named
 * prepared statement, parsed and planned once per pooled connection. MySQL and MariaDB go through
 * TypeORM. Every statement still reaches TypeORM's logger, so `logging` shows it as before.
 */
export class NativeStatements {
  constructor(
    private readonly dataSource: DataSource,
    readonly dialect: DialectName,
  ) {}

  /**
   * The first row of a SELECT as an array in column order, or `null`. On PostgreSQL and SQLite the
   * driver builds no keyed object per row (PostgreSQL: `rowMode: 'array'`; SQLite: a raw statement).
   */
  async firstTuple(sql: string, params: unknown[]): Promise<unknown[] | null> {
    if (this.dialect === 'mysql') {
      const rows: Row[] = await this.dataSource.query(sql, params);
      return rows.length ? Object.values(rows[0]) : null;
    }
    return this.logged(sql, params, async () => {
      if (this.dialect === 'sqlite') return (this.statement(sql, true).get(...params) as unknown[] | undefined) ?? null;
      const result = await this.pool().query({ name: statementName(sql), text: sql, values: params, rowMode: 'array' });
      return result.rows.length ? (result.rows[0] as unknown[]) : null;
    });
  }

  /** PostgreSQL only: every row of a SELECT, each an array in column order. */
  async tuples(sql: string, params: unknown[]): Promise<unknown[][]> {
    return this.logged(sql, params, async () => (await this.pool().query({ name: statementName(sql), text: sql, values: params, rowMode: 'array' })).rows as unknown[][]);
  }

  /** How many rows an INSERT, UPDATE or DELETE changed. */
  async changes(sql: string, params: unknown[]): Promise<number> {
    if (this.dialect === 'mysql') {
      const runner = this.dataSource.createQueryRunner();
      try {
        return (await runner.query(sql, params, true)).affected ?? 0;
      } finally {
        await runner.release();
      }
    }
    return this.logged(sql, params, async () => {
      if (this.dialect === 'sqlite') return this.statement(sql).run(...params).changes as number;
      return (await this.pool().query({ name: statementName(sql), text: sql, values: params })).rowCount ?? 0;
    });
  }

  /**
   * SQLite only: runs `work` in one transaction, synchronously, so no other statement on the shared
   * connection can come between its steps. A throw (or a failing statement) rolls it all back.
   */
  sqliteTransaction<T>(work: (step: SqliteStep) => T): T {
    const step: SqliteStep = (sql, params) => {
      this.dataSource.logger.logQuery(sql, params);
      return this.statement(sql).run(...params).changes;
    };
    const connection = this.connection();
    let transaction = transactionByConnection.get(connection);
    if (!transaction) {
      transaction = connection.transaction((inner: () => unknown) => inner()) as (work: () => unknown) => unknown;
      transactionByConnection.set(connection, transaction);
    }
    // better-sqlite3 sends BEGIN and COMMIT itself; they are logged so the log shows the transaction.
    this.dataSource.logger.logQuery('BEGIN');
    let result: T;
    try {
      result = transaction(() => work(step)) as T;
    } catch (error) {
      this.dataSource.logger.logQuery('ROLLBACK');
      throw error;
    }
    this.dataSource.logger.logQuery('COMMIT');
    return result;
  }

  private async logged<T>(sql: string, params: unknown[], execute: () => Promise<T>): Promise<T> {
    this.dataSource.logger.logQuery(sql, params);
    try {
      return await execute();
    } catch (error) {
      this.dataSource.logger.logQueryError(error as Error, sql, params);
      throw error;
    }
  }

  private statement(sql: string, raw = false): any {
    const connection = this.connection();
    let prepared = preparedByConnection.get(connection);
    if (!prepared) preparedByConnection.set(connection, (prepared = new Map()));
    // A raw (array-row) statement is a separate prepared statement: `raw()` switches the statement itself.
    const key = raw ? `raw:${sql}` : sql;
    let statement = prepared.get(key);
    if (!statement) prepared.set(key, (statement = raw ? connection.prepare(sql).raw(true) : connection.prepare(sql)));
    return statement;
  }

  /** The better-sqlite3 `Database` TypeORM opened (it throws on use once closed). */
  private connection(): any {
    const connection = (this.dataSource.driver as any).databaseConnection;
    if (!connection?.open) throw new Error('the SQLite connection is closed');
    return connection;
  }

  /** The `pg` pool TypeORM opened. */
  private pool(): any {
    const pool = (this.dataSource.driver as any).master;
    if (!pool) throw new Error('the PostgreSQL pool is closed');
    return pool;
  }
}

const names = new Map<string, string>();

/** A prepared statement's name: the same text always gets the same name, different texts never share one. */
function statementName(sql: string): string {
  let name = names.get(sql);
  if (!name) names.set(sql, (name = `nta_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`));
  return name;
}
