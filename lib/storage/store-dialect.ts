import { createHash } from 'node:crypto';
import { DataSource, QueryRunner } from 'typeorm';

/** The database families whose differences matter to the token store. */
export type DialectName = 'sqlite' | 'postgres' | 'mysql';

/** Serialises work on one DataSource (SQLite shares one connection across all requests). */
const queues = new WeakMap<DataSource, Promise<unknown>>();

/**
 * The one file that knows how databases differ: how to serialise writes and how to take a
 * per-key lock inside a transaction.
 */
export class StoreDialect {
  readonly name: DialectName;

  constructor(private readonly dataSource: DataSource) {
    const type = dataSource.options.type;
    this.name = type === 'postgres' ? 'postgres' : type === 'mysql' || type === 'mariadb' ? 'mysql' : 'sqlite';
  }

  /**
   * On SQLite every write and transaction runs one at a time: two transactions with an `await`
   * between their statements would otherwise share one connection and corrupt each other.
   * Other databases run concurrently and rely on row locks and conditional statements.
   */
  serialize<T>(work: () => Promise<T>): Promise<T> {
    if (this.name !== 'sqlite') return work();
    const previous = queues.get(this.dataSource) ?? Promise.resolve();
    const next = previous.then(work, work);
    queues.set(this.dataSource, next.catch(() => undefined));
    return next;
  }

  /** Whether an error is the database choosing this transaction as a deadlock victim. */
  isDeadlock(error: unknown): boolean {
    const e = error as { code?: string; errno?: number; driverError?: { code?: string; errno?: number } } | null;
    const code = e?.driverError?.code ?? e?.code;
    const errno = e?.driverError?.errno ?? e?.errno;
    return code === '40P01' || code === 'ER_LOCK_DEADLOCK' || errno === 1213;
  }

  /** Runs `work` in a transaction, holding an exclusive lock on `lockKey` when one is given. */
  transaction<T>(work: (runner: QueryRunner) => Promise<T>, lockKey?: string): Promise<T> {
    return this.serialize(async () => {
      const runner = this.dataSource.createQueryRunner();
      const lockName = lockKey && `nta:${createHash('sha256').update(lockKey).digest('hex').slice(0, 40)}`;
      let mysqlLocked = false;
      try {
        await runner.connect();
        if (lockName && this.name === 'mysql') {
          const [row] = await runner.query('SELECT GET_LOCK(?, 10) AS got', [lockName]);
          if (Number(row?.got) !== 1) throw new Error('timed out waiting for a per-user lock');
          mysqlLocked = true;
        }
        await runner.startTransaction();
        if (lockName && this.name === 'postgres') {
          await runner.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockName]);
        }
        const result = await work(runner);
        await runner.commitTransaction();
        return result;
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      } finally {
        if (mysqlLocked) await runner.query('SELECT RELEASE_LOCK(?)', [lockName]).catch(() => undefined);
        await runner.release().catch(() => undefined);
      }
    });
  }
}
