import { ExpiryPolicy } from './expiry-policy';

const S = 1000;
const policy = new ExpiryPolicy({ accessTtlMs: 600 * S, refreshTtlMs: 3600 * S, minRefreshIntervalMs: 60 * S, maxLifetimeMs: 1800 * S });
const row = (fields: Partial<{ expiresAt: number | null; absoluteExpiresAt: number | null; lastUsedAt: number | null }>) => ({
  expiresAt: null,
  absoluteExpiresAt: null,
  lastUsedAt: null,
  ...fields,
});

describe('ExpiryPolicy', () => {
  it('issues expiries from the kind ttl, capped by the absolute lifetime', () => {
    expect(policy.absoluteFor(0)).toBe(1800 * S);
    expect(policy.expiryFor('access', 0, 1800 * S)).toBe(600 * S);
    expect(policy.expiryFor('refresh', 0, 1800 * S)).toBe(1800 * S);
    expect(policy.expiryFor('refresh', 0, null)).toBe(3600 * S);
  });

  it('treats a token as expired at its expiry or its absolute cap, whichever is first', () => {
    expect(policy.isExpired(row({ expiresAt: 10 }), 9)).toBe(false);
    expect(policy.isExpired(row({ expiresAt: 10 }), 10)).toBe(true);
    expect(policy.isExpired(row({ expiresAt: 100, absoluteExpiresAt: 50 }), 50)).toBe(true);
    expect(policy.isExpired(row({}), Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(policy.effectiveExpiry(row({ expiresAt: 100, absoluteExpiresAt: 50 }))).toBe(50);
  });

  it('slides only when the expiry would move by more than minRefreshInterval', () => {
    const issued = row({ expiresAt: 600 * S, absoluteExpiresAt: 1800 * S });
    expect(policy.slide(issued, 60 * S)).toBeNull();
    expect(policy.slide(issued, 61 * S)).toBe(661 * S);
  });

  it('never slides past the absolute lifetime', () => {
    expect(policy.slide(row({ expiresAt: 1700 * S, absoluteExpiresAt: 1800 * S }), 1500 * S)).toBe(1800 * S);
    expect(policy.slide(row({ expiresAt: 1800 * S, absoluteExpiresAt: 1800 * S }), 1700 * S)).toBeNull();
    expect(policy.slide(row({ expiresAt: 1200 * S, absoluteExpiresAt: 1800 * S }), 1500 * S)).toBe(1800 * S);
  });

  it('does not slide tokens without expiry', () => {
    expect(new ExpiryPolicy({ accessTtlMs: null, refreshTtlMs: 1, minRefreshIntervalMs: 0, maxLifetimeMs: null }).slide(row({}), 5)).toBeNull();
  });

  it('throttles last-used writes and merges them with sliding', () => {
    expect(policy.touchDue(row({ lastUsedAt: null }), 0)).toBe(true);
    expect(policy.touchDue(row({ lastUsedAt: 0 }), 60 * S)).toBe(false);
    expect(policy.touchDue(row({ lastUsedAt: 0 }), 61 * S)).toBe(true);
    expect(policy.onUse(row({ expiresAt: 600 * S, absoluteExpiresAt: 1800 * S, lastUsedAt: 0 }), 30 * S, true)).toEqual({ slideTo: null, touch: false });
    expect(policy.onUse(row({ expiresAt: 600 * S, absoluteExpiresAt: 1800 * S, lastUsedAt: 0 }), 90 * S, true)).toEqual({ slideTo: 690 * S, touch: true });
    expect(policy.onUse(row({ expiresAt: 600 * S, lastUsedAt: 0 }), 90 * S, false)).toEqual({ slideTo: null, touch: true });
  });
});
