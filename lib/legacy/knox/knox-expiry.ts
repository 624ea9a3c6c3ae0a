import { ResolvedKnoxOptions } from './knox.options';

/** The times of a knox row (epoch ms). */
export interface KnoxTimes {
  created: number;
  expiry: number | null;
}

/** What a successful use does to a knox row's expiry. */
export interface KnoxRefresh {
  /** The expiry knox computes for this use. */
  expiry: number;
  /** Whether knox would write it (it moved by more than `MIN_REFRESH_INTERVAL`). */
  write: boolean;
}

/**
 * Knox's expiry rules (knox/auth.py), the only place this package keeps them: a row is expired once
 * its expiry is strictly before now; with `AUTO_REFRESH` a use moves the expiry to now + `TOKEN_TTL`,
 * capped at `created` + `AUTO_REFRESH_MAX_TTL`, and writes it only when it moved by more than
 * `MIN_REFRESH_INTERVAL`. Rows without an expiry never expire and are never refreshed.
 */
export class KnoxExpiry {
  constructor(private readonly options: ResolvedKnoxOptions) {}

  isExpired(row: KnoxTimes, now: number): boolean {
    return row.expiry !== null && row.expiry < now;
  }

  /** The refresh a use at `now` causes, or `null` when auto-refresh does not apply. */
  onUse(row: KnoxTimes, now: number): KnoxRefresh | null {
    const { autoRefresh, ttlMs, autoRefreshMaxTtlMs, minRefreshIntervalMs } = this.options;
    if (!autoRefresh || row.expiry === null || ttlMs === null) return null;
    let expiry = now + ttlMs;
    if (autoRefreshMaxTtlMs !== null) expiry = Math.min(expiry, row.created + autoRefreshMaxTtlMs);
    return { expiry, write: expiry - row.expiry > minRefreshIntervalMs };
  }

  /** The latest the row can ever live to (`created` + `AUTO_REFRESH_MAX_TTL` under auto-refresh), or `null`. */
  cap(row: KnoxTimes): number | null {
    if (row.expiry === null || !this.options.autoRefresh || this.options.autoRefreshMaxTtlMs === null) return row.expiry;
    return Math.max(row.expiry, row.created + this.options.autoRefreshMaxTtlMs);
  }
}
