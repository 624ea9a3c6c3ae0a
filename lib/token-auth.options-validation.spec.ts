import { resolveTokenAuthOptions, TokenAuthConfigError } from './token-auth.options-validation';
import { TokenAuthModuleOptions } from './token-auth.options';

const users = { findById: () => null, verifyCredentials: () => null };
const SECRET = 'Vq3h8Lr0zW5nKc1xT7bYf2Ms9Dg4Pj6A';
const OTHER_SECRET = 'Hn5Qw2Zr8Kt1Lm7Xc4Vb0Ps3Jd9Fg6Ty';
const base: TokenAuthModuleOptions = { mode: 'extend', users, secrets: SECRET };

describe('resolveTokenAuthOptions', () => {
  it('applies the documented defaults per mode', () => {
    const extend = resolveTokenAuthOptions(base);
    expect(extend).toMatchObject({
      accessTtlMs: 10 * 3600_000,
      minRefreshIntervalMs: 60_000,
      maxLifetimeMs: null,
      tokenPrefix: 'ntk',
      realm: 'api',
      tokenLimitPerUser: null,
      expiryHeader: 'X-Token-Expiry',
      loginLimit: { limit: 10, window: 60 },
    });
    expect([...extend.schemes]).toEqual(['bearer', 'token']);
    expect(extend.secrets).toEqual([{ id: 'k1', secret: SECRET }]);
    const rotate = resolveTokenAuthOptions({ ...base, mode: 'rotate' });
    expect(rotate).toMatchObject({ accessTtlMs: 900_000, refreshTtlMs: 30 * 86400_000, maxLifetimeMs: 90 * 86400_000, reuseGraceMs: 10_000 });
  });

  it('accepts ttl null (no expiry) in extend mode only', () => {
    expect(resolveTokenAuthOptions({ ...base, ttl: null }).accessTtlMs).toBeNull();
    expect(() => resolveTokenAuthOptions({ ...base, mode: 'rotate', ttl: null })).toThrow(/"ttl"/);
  });

  it.each([
    [{ mode: 'sliding' }, 'mode'],
    [{ users: undefined }, 'users'],
    [{ secrets: 'short' }, 'secrets'],
    [{ secrets: [] }, 'secrets'],
    [{ secrets: [{ id: 'a', secret: SECRET }, { id: 'a', secret: OTHER_SECRET }] }, 'secrets'],
    [{ secrets: 'a'.repeat(32) }, 'secrets'],
    [{ secrets: [{ id: 'k2', secret: SECRET }, { id: 'k1', secret: 'password'.repeat(4) }] }, 'secrets'],
    [{ ttl: 0 }, 'ttl'],
    [{ ttl: -5 }, 'ttl'],
    [{ ttl: '10h' }, 'ttl'],
    [{ minRefreshInterval: Number.NaN }, 'minRefreshInterval'],
    [{ maxLifetime: 0 }, 'maxLifetime'],
    [{ reuseGrace: -1 }, 'reuseGrace'],
    [{ mode: 'rotate', ttl: 5, reuseGrace: 5 }, 'reuseGrace'],
    [{ tokenLimitPerUser: 1.5 }, 'tokenLimitPerUser'],
    [{ tokenPrefix: 'has_underscore' }, 'tokenPrefix'],
    [{ schemes: [] }, 'schemes'],
    [{ schemes: ['Bear er'] }, 'schemes'],
    [{ realm: 'a"b' }, 'realm'],
    [{ throttle: { login: { limit: 0, window: 60 } } }, 'throttle.login.limit'],
    [{ throttle: { refresh: { limit: 5, window: 0 } } }, 'throttle.refresh.window'],
    [{ throttle: { storage: {} } }, 'throttle.storage'],
    [{ clock: {} }, 'clock'],
    [{ onEvent: 'log' }, 'onEvent'],
  ])('refuses %j naming "%s"', (override, option) => {
    const run = () => resolveTokenAuthOptions({ ...base, ...(override as object) } as TokenAuthModuleOptions);
    expect(run).toThrow(TokenAuthConfigError);
    expect(run).toThrow(`option "${option}"`);
  });

  it('refuses a weak secret (32 × "a" booted in 0.1) with the rule and a command that makes a good one', () => {
    const run = () => resolveTokenAuthOptions({ ...base, secrets: 'a'.repeat(32) });
    expect(run).toThrow(/at least 32 bytes carrying at least 128 bits/);
    expect(run).toThrow(/randomBytes\(32\)\.toString\('base64url'\)/);
  });

  it.each([
    [{ ttll: 60 }, 'unknown option "ttll" (did you mean "ttl"?)'],
    [{ cookie: { secur: false } }, 'unknown option "cookie.secur" (did you mean "cookie.secure"?)'],
    [{ globalGuard: true }, '"globalGuard" is a declaration-time option and is ignored in a factory result: pass it to forRootAsync({ globalGuard: true, useFactory })'],
  ])('refuses the misplaced or unknown key %j', (override, message) => {
    const run = () => resolveTokenAuthOptions({ ...base, ...(override as object) } as TokenAuthModuleOptions, ['globalGuard']);
    expect(run).toThrow(TokenAuthConfigError);
    expect(run).toThrow(`TokenAuthModule: ${message}`);
  });

  it('never echoes a secret in its error', () => {
    try {
      resolveTokenAuthOptions({ ...base, secrets: [{ id: 'k1', secret: 'tooshort-but-private' }] });
      throw new Error('no error');
    } catch (error) {
      expect((error as Error).message).not.toContain('tooshort-but-private');
    }
  });
});
