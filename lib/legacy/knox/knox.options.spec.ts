import { resolveTokenAuthOptions } from '../../token-auth.options-validation';
import { resolveKnoxOptions } from './knox.options';

const base = { mode: 'extend' as const, users: { findById: () => null, verifyCredentials: () => null }, secrets: 'kR7vN2qX9mZ4tB8wL1cF6yH3pJ0sD5gA-test' };

describe('legacy.knox options', () => {
  it('defaults to knox 5 settings and adds the knox header to the schemes', () => {
    const resolved = resolveTokenAuthOptions({ ...base, schemes: ['Bearer'], legacy: { knox: { header: 'Knox' } } });
    expect(resolved.legacy.knox).toMatchObject({ table: 'knox_authtoken', version: 5, tokenPrefix: '', tokenLength: 64, keyLength: 15, hashAlgorithm: 'sha512', ttlMs: 36_000_000, autoRefresh: false, autoRefreshMaxTtlMs: null, minRefreshIntervalMs: 60_000 });
    expect([...resolved.schemes]).toEqual(['bearer', 'knox']);
    expect(resolveTokenAuthOptions(base).legacy.knox).toBe(false);
  });

  it.each([
    [{ knox: { tabel: 'x' } }, /unknown option "legacy.knox.tabel" \(did you mean "legacy.knox.table"\?\)/],
    [{ knox: { tokenPrefix: 'way-too-long' } }, /legacy.knox.tokenPrefix/],
    [{ knox: { version: 4, tokenPrefix: 'a' } }, /legacy.knox.tokenPrefix/],
    [{ knox: { tokenLength: 63 } }, /legacy.knox.tokenLength/],
    [{ knox: { hashAlgorithm: 'md5' } }, /legacy.knox.hashAlgorithm/],
    [{ knox: { table: 'x; DROP' } }, /legacy.knox.table/],
    [{ knox: { autoRefresh: 'yes' } }, /legacy.knox.autoRefresh/],
    [{ knox: { minRefreshInterval: -1 } }, /legacy.knox.minRefreshInterval/],
    [{ knox: 'on' }, /legacy.knox/],
    [{ knux: {} }, /unknown option "legacy.knux"/],
    ['knox', /option "legacy"/],
  ])('refuses %j at boot, naming the option', (legacy, message) => {
    expect(() => resolveTokenAuthOptions({ ...base, legacy } as any)).toThrow(message);
  });

  it('accepts knox 4.2 settings', () => {
    expect(resolveKnoxOptions({ knox: { version: 4 } })).toMatchObject({ version: 4, keyLength: 8 });
  });
});
