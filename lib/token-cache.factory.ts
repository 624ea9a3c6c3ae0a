import { DataSource } from 'typeorm';
import { ResolvedTokenAuthOptions } from './token-auth.options';
import { postgresCacheInvalidation } from './storage/postgres-invalidation';
import { CacheInvalidationChannel, TokenCache } from './token-cache';
import { sqliteCacheInvalidation } from './storage/sqlite-invalidation';

/**
 * Decides whether the token cache runs, and over which channel. The cache is on by default only
 * where a revocation still reaches every instance within a bound: on PostgreSQL (its own
 * LISTEN/NOTIFY channel, no extra service), on a better-sqlite3 file (`PRAGMA data_version`, read
 * every 250 ms), with an `invalidation` channel the host gives (e.g. Redis pub/sub for
 * MySQL/MariaDB), or on an in-memory SQLite database (one process by construction). Elsewhere
 * (MySQL/MariaDB or the `sqlite` driver without a channel, where several processes may share the
 * tokens) the default stays off; an explicit `cache: {}` turns it on there, with other instances
 * then learning of a revocation only when their entry ages out (`cache.ttl`).
 */
export async function createTokenCache(options: ResolvedTokenAuthOptions, dataSource: DataSource): Promise<TokenCache | null> {
  const settings = options.cache;
  if (!settings) return null;
  const channel = settings.invalidation ?? builtInChannel(dataSource);
  if (channel === null && !settings.explicit && !inMemorySqlite(dataSource)) return null;
  const cache = new TokenCache(settings.ttlMs, settings.max, options.clock, channel);
  await cache.listen();
  return cache;
}

/** The channel the database itself offers: PostgreSQL's LISTEN/NOTIFY, or a better-sqlite3 file's data_version. */
function builtInChannel(dataSource: DataSource): CacheInvalidationChannel | null {
  if (dataSource.options.type === 'postgres') return postgresCacheInvalidation(dataSource);
  if (dataSource.options.type === 'better-sqlite3' && !inMemorySqlite(dataSource)) return sqliteCacheInvalidation(dataSource);
  return null;
}

function inMemorySqlite(dataSource: DataSource): boolean {
  const { type, database } = dataSource.options as { type: string; database?: unknown };
  return (type === 'better-sqlite3' || type === 'sqlite') && (database === ':memory:' || database === '');
}
