import { QueryFailedError } from 'typeorm';

// PostgreSQL's SQLSTATE, MySQL/MariaDB's error name, better-sqlite3's extended result code.
const UNIQUE_VIOLATION = new Set(['23505', 'ER_DUP_ENTRY', 'SQLITE_CONSTRAINT_UNIQUE']);

/** Whether a query failed on a unique constraint (on any database the sample app runs on). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && UNIQUE_VIOLATION.has(String((error.driverError as { code?: unknown } | undefined)?.code));
}
