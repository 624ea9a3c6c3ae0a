import { Logger } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { DataSource } from 'typeorm';

/**
 * The worker thread: its own connection, a PASSIVE checkpoint every `intervalMs` until told to stop.
 * Plain JavaScript run with `eval`, so it works from the sources (tests) and from `dist/` alike.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
const timer = setInterval(() => {
  // Busy or briefly locked: the next tick tries again; the commit-time checkpoint is the safety net.
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
}, workerData.intervalMs);
parentPort.once('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

/** WAL pages after which a commit checkpoints by itself; only a safety net while the worker runs. */
export const SQLITE_SAFETY_CHECKPOINT_PAGES = 20_000;

/** TypeORM's `prepareDatabase` for a connection whose checkpoints the worker runs: only the far safety mark. */
export function prepareForCheckpointer(db: { pragma(sql: string): unknown }): void {
  db.pragma(`wal_autocheckpoint = ${SQLITE_SAFETY_CHECKPOINT_PAGES}`);
}

/**
 * Runs SQLite's WAL checkpoints on a worker thread with its own connection. better-sqlite3 runs every
 * statement on the event loop, and SQLite's automatic checkpoint (copy the log into the database and
 * fsync) runs inside whichever commit crosses the mark: a stall of every request for tens of ms.
 * A PASSIVE checkpoint never blocks the app's readers or writer.
 */
export class SqliteCheckpointer {
  private readonly logger = new Logger('SqliteCheckpointer');
  private readonly worker: Worker;

  constructor(file: string, intervalMs = 500) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, intervalMs, driver: require.resolve('better-sqlite3') } });
    this.worker.unref();
    this.worker.on('error', (error) => this.logger.warn(`checkpoint worker stopped (${error.message}); commits checkpoint by themselves`));
  }

  /** A checkpointer for a file-backed better-sqlite3 data source, otherwise `null`. */
  static for(dataSource: DataSource, intervalMs?: number): SqliteCheckpointer | null {
    const { type, database } = dataSource.options as { type: string; database?: unknown };
    return type === 'better-sqlite3' && typeof database === 'string' && database !== ':memory:' ? new SqliteCheckpointer(database, intervalMs) : null;
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.postMessage('stop');
    await exited;
  }
}
