import { KnoxExpiry } from './knox-expiry';
import { resolveKnoxOptions } from './knox.options';

const H = 3600 * 1000;
const expiry = (knox: object) => new KnoxExpiry(resolveKnoxOptions({ knox }) as any);

describe('KnoxExpiry (knox/auth.py rules)', () => {
  const row = { created: 0, expiry: 10 * H };

  it('expires strictly after the expiry; a row without one never expires', () => {
    const rules = expiry({});
    expect(rules.isExpired(row, 10 * H)).toBe(false);
    expect(rules.isExpired(row, 10 * H + 1)).toBe(true);
    expect(rules.isExpired({ created: 0, expiry: null }, 1e15)).toBe(false);
  });

  it('does not refresh without AUTO_REFRESH, nor a row without expiry', () => {
    expect(expiry({}).onUse(row, H)).toBeNull();
    expect(expiry({ autoRefresh: true }).onUse({ created: 0, expiry: null }, H)).toBeNull();
  });

  it('refreshes to now + TTL, writes only past MIN_REFRESH_INTERVAL, and caps at created + AUTO_REFRESH_MAX_TTL', () => {
    expect(expiry({ autoRefresh: true }).onUse(row, 5 * H)).toEqual({ expiry: 15 * H, write: true });
    expect(expiry({ autoRefresh: true }).onUse(row, 60_000)).toEqual({ expiry: 10 * H + 60_000, write: false });
    expect(expiry({ autoRefresh: true }).onUse(row, 60_001)).toEqual({ expiry: 10 * H + 60_001, write: true });
    expect(expiry({ autoRefresh: true, autoRefreshMaxTtl: 12 * 3600 }).onUse(row, 5 * H)).toEqual({ expiry: 12 * H, write: true });
    expect(expiry({ autoRefresh: true, autoRefreshMaxTtl: 12 * 3600 }).cap(row)).toBe(12 * H);
  });
});
