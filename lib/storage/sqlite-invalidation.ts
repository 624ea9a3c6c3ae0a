import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CacheInvalidationChannel, TokenCache } from '../token-cache';

/** Timing of the SQLite channel (milliseconds). */
export interface SqliteInvalidationOptions {
  /** How often `PRAGMA data_version` is read. Default 250. */
  pollMs?: number;
}

/**
 * Cache invalidation for a SQLite file that other processes may share, with nothing else to run:
 * SQLite moves `PRAGMA data_version` whenever another connection commits to the file, and this
 * channel reads it every `pollMs` on the module's own connection. Which rows changed is unknown, so a
 * change empties the whole cache; this process's own commits do not move it (they evict locally).
 * A revocation committed by another process is refused here within `pollMs` of the commit. If the
 * read fails (the connection is closed), the cache is emptied and off until a read works again.
 * Only the better-sqlite3 driver, whose connection answers synchronously, is supported.
 */
export function sqliteCacheInvalidation(dataSource: DataSource, options: SqliteInvalidationOptions = {}): CacheInvalidationChannel & { readonly bound: number } {
  const pollMs = options.pollMs ?? 250;
  const logger = new Logger('TokenAuth');
  let timer: NodeJS.Timeout | null = null;
  let version: number | null = null;

  const read = (): number => {
    const connection = (dataSource.driver as any).databaseConnection;
    if (!connection?.open) throw new Error('the SQLite connection is closed');
    return Number(connection.pragma('data_version', { simple: true }));
  };

  return {
    bound: pollMs,
    // Other processes see this process's commits through data_version: there is nothing to send.
    publish: () => undefined,
    subscribe: (onMessage, onState) => {
      version = read();
      onState?.(true);
      timer = setInterval(() => {
        let now: number;
        try {
          now = read();
        } catch (error) {
          if (version !== null) logger.warn(`SQLite data_version unreadable: ${(error as Error)?.message ?? error}`);
          version = null;
          onState?.(false);
          return;
        }
        if (version === null) onState?.(true);
        else if (now !== version) onMessage(TokenCache.everythingMessage());
        version = now;
      }, pollMs);
      timer.unref();
    },
    close: () => {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
