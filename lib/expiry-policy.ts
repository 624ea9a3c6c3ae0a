import { TokenKind } from './token-format';

/** The expiry fields of a token row (epoch ms). */
export interface ExpiryFields {
  expiresAt: number | null;
  absoluteExpiresAt: number | null;
  lastUsedAt: number | null;
}

export interface ExpirySettings {
  accessTtlMs: number | null;
  refreshTtlMs: number;
  minRefreshIntervalMs: number;
  maxLifetimeMs: number | null;
}

/** What an authenticated use of an access token should write, if anything. */
export interface UseDecision {
  /** New sliding expiry to store (extend mode), or `null` to keep the current one. */
  slideTo: number | null;
  /** Whether `lastUsedAt` is due a write. */
  touch: boolean;
}

/**
 * The one place that answers "how long does a token live": issue, slide, expire and when to write.
 * All times are epoch milliseconds.
 */
export class ExpiryPolicy {
  constructor(private readonly settings: ExpirySettings) {}

  /** Absolute end of a new login's family, or `null` for none. */
  absoluteFor(loginAt: number): number | null {
    return this.settings.maxLifetimeMs === null ? null : loginAt + this.settings.maxLifetimeMs;
  }

  /** Expiry of a token of `kind` issued at `now` in a family that ends at `absoluteExpiresAt`. */
  expiryFor(kind: TokenKind, now: number, absoluteExpiresAt: number | null): number | null {
    const ttl = kind === 'refresh' ? this.settings.refreshTtlMs : this.settings.accessTtlMs;
    return cap(ttl === null ? null : now + ttl, absoluteExpiresAt);
  }

  /** The moment a token stops working (the earlier of its expiry and its absolute cap), or `null`. */
  effectiveExpiry(row: ExpiryFields): number | null {
    return cap(row.expiresAt, row.absoluteExpiresAt);
  }

  isExpired(row: ExpiryFields, now: number): boolean {
    const end = this.effectiveExpiry(row);
    return end !== null && end <= now;
  }

  /**
   * Extend mode: move the expiry to `now + ttl` (never past the absolute cap), but only when it
   * moves by more than `minRefreshInterval`. The caller has already refused expired tokens.
   */
  slide(row: ExpiryFields, now: number): number | null {
    if (row.expiresAt === null || this.settings.accessTtlMs === null) return null;
    const target = this.expiryFor('access', now, row.absoluteExpiresAt) as number;
    return target - row.expiresAt > this.settings.minRefreshIntervalMs ? target : null;
  }

  /** `lastUsedAt` is written at most once per `minRefreshInterval`. */
  touchDue(row: ExpiryFields, now: number): boolean {
    return row.lastUsedAt === null || now - row.lastUsedAt > this.settings.minRefreshIntervalMs;
  }

  /** Everything a use of an access token should write; sliding and touching share one write. */
  onUse(row: ExpiryFields, now: number, sliding: boolean): UseDecision {
    const slideTo = sliding ? this.slide(row, now) : null;
    return { slideTo, touch: slideTo !== null || this.touchDue(row, now) };
  }
}

function cap(value: number | null, limit: number | null): number | null {
  if (value === null) return limit;
  return limit === null ? value : Math.min(value, limit);
}
