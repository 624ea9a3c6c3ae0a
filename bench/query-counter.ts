import { Logger as TypeOrmLogger } from 'typeorm';

/** Statements seen by the data source since the last reset, by kind, and HTTP requests received. */
export interface QueryCounts {
  /** Requests that reached the server (including those the load generator abandoned at the end). */
  requests: number;
  selects: number;
  writes: number;
  /** BEGIN / COMMIT / ROLLBACK / SAVEPOINT. */
  transactions: number;
  other: number;
  /** Server CPU time (user + system, all threads) in µs; filled in by the server, not by the counter. */
  cpuMicros: number;
}

const WRITE = /^(INSERT|UPDATE|DELETE|REPLACE)\b/i;
/** A data-modifying CTE (PostgreSQL's one-statement rotation): `WITH x AS (UPDATE ...) INSERT ...`. */
const WRITING_CTE = /^WITH\b[\s\S]*\b(INSERT|UPDATE|DELETE)\b/i;
const TRANSACTION = /^(BEGIN|START|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i;

/**
 * A TypeORM logger that only counts. TypeORM's query runners call `logQuery` for every statement
 * they send (whatever `logging` says), so this sees exactly what reaches the driver.
 */
export class QueryCounter implements TypeOrmLogger {
  private counts: QueryCounts = empty();

  /** Called for every incoming HTTP request, so statements can be given per request handled. */
  request(): void {
    this.counts.requests++;
  }

  logQuery(query: string): void {
    const sql = query.trimStart();
    if (sql.length >= 6 && sql.slice(0, 6).toUpperCase() === 'SELECT') this.counts.selects++;
    else if (WRITE.test(sql) || WRITING_CTE.test(sql)) this.counts.writes++;
    else if (TRANSACTION.test(sql)) this.counts.transactions++;
    else this.counts.other++;
  }

  /** The counts so far; `reset` starts a new window. */
  read(reset = false): QueryCounts {
    const counts = this.counts;
    if (reset) this.counts = empty();
    return { ...counts };
  }

  logQueryError(error: string | Error, query: string): void {
    // A failed statement during a measurement would skew the result: make it visible.
    process.stderr.write(`[bench] query failed: ${error instanceof Error ? error.message : error} (${query.slice(0, 120)})\n`);
  }

  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

function empty(): QueryCounts {
  return { requests: 0, selects: 0, writes: 0, transactions: 0, other: 0, cpuMicros: 0 };
}
