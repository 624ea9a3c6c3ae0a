import { DataSource, Logger as TypeOrmLogger } from 'typeorm';

/** Counts the SQL statements a DataSource runs, to prove that some requests cause none. */
export interface QueryCounter {
  /** Statements seen since the counter was made or last reset. */
  readonly count: number;
  /** The statements themselves (SQL text only), newest last. */
  readonly queries: readonly string[];
  /** Each statement as TypeORM prints it with `logging: 'all'` (SQL and parameters), to check what a host's query log would hold. */
  readonly printed: readonly string[];
  reset(): void;
  /** Puts the DataSource's own logger back. */
  restore(): void;
}

/**
 * Wraps `dataSource.logger`. TypeORM (1.x) calls `logger.logQuery()` before every statement on the
 * better-sqlite3, postgres and mysql query runners whatever the `logging` option says (the logger
 * itself decides whether to print), and query runners read `dataSource.logger` on each call, so
 * replacing it after the app has started sees every statement, transactions included.
 */
export function countQueries(dataSource: DataSource): QueryCounter {
  const original = dataSource.logger;
  const queries: string[] = [];
  const printed: string[] = [];
  const counting: TypeOrmLogger = {
    logQuery: (query, parameters, runner) => {
      queries.push(query);
      printed.push(parameters?.length ? `${query} -- PARAMETERS: ${JSON.stringify(parameters)}` : query);
      return original.logQuery(query, parameters, runner);
    },
    logQueryError: (...args) => original.logQueryError(...args),
    logQuerySlow: (...args) => original.logQuerySlow(...args),
    logSchemaBuild: (...args) => original.logSchemaBuild(...args),
    logMigration: (...args) => original.logMigration(...args),
    log: (...args) => original.log(...args),
  };
  (dataSource as { logger: TypeOrmLogger }).logger = counting;
  return {
    get count() {
      return queries.length;
    },
    queries,
    printed,
    reset: () => void (queries.splice(0), printed.splice(0)),
    restore: () => void ((dataSource as { logger: TypeOrmLogger }).logger = original),
  };
}

/** How many statements `dataSource` ran while `work` ran (the logger is put back however `work` ends). */
export async function queriesDuring(dataSource: DataSource, work: () => Promise<unknown>): Promise<number> {
  const counter = countQueries(dataSource);
  try {
    await work();
    return counter.count;
  } finally {
    counter.restore();
  }
}
