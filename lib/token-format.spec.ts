import { TokenFormat } from './token-format';

describe('TokenFormat', () => {
  const format = new TokenFormat('ntk');

  it('mints tokens of the documented shape with distinct parts', () => {
    const a = format.mint('access');
    const r = format.mint('refresh');
    expect(a.token).toMatch(/^ntk_at_[0-9A-Za-z]{50}$/);
    expect(r.token).toMatch(/^ntk_rt_[0-9A-Za-z]{50}$/);
    expect(format.pattern.test(a.token) && format.pattern.test(r.token)).toBe(true);
    expect(a.keyId).toHaveLength(12);
    expect(a.secret).toHaveLength(32);
    expect(a.keyId).not.toBe(r.keyId);
  });

  it('round-trips: parse returns the minted parts', () => {
    for (const kind of ['access', 'refresh'] as const) {
      const minted = format.mint(kind);
      expect(format.parse(minted.token)).toEqual({ kind, keyId: minted.keyId, secret: minted.secret });
    }
  });

  it('never repeats in 10,000 mints', () => {
    const seen = new Set(Array.from({ length: 10_000 }, () => format.mint('access').token));
    expect(seen.size).toBe(10_000);
  });

  it('spreads characters uniformly over base62 (no modulo bias)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) for (const c of format.mint('access').secret) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (2000 * 32) / 62;
    for (const n of counts.values()) expect(Math.abs(n - expected) / expected).toBeLessThan(0.15);
  });

  it('refuses any single changed character (checksum)', () => {
    const { token } = format.mint('access');
    let refused = 0;
    for (let i = 7; i < token.length; i++) {
      const swapped = token[i] === 'a' ? 'b' : 'a';
      if (format.parse(token.slice(0, i) + swapped + token.slice(i + 1)) === null) refused++;
    }
    expect(refused).toBe(token.length - 7);
  });

  it.each([
    ['not a string', 42],
    ['empty', ''],
    ['wrong prefix', 'abc_at_' + 'A'.repeat(50)],
    ['wrong kind tag', 'ntk_xx_' + 'A'.repeat(50)],
    ['too short', 'ntk_at_abc'],
    ['non-base62 body', 'ntk_at_' + '-'.repeat(50)],
    ['non-ASCII', 'ntk_at_' + 'é'.repeat(50)],
  ])('returns null for %s', (_label, input) => {
    expect(format.parse(input)).toBeNull();
  });

  it('derives the same token from the same entropy, and another from other entropy', () => {
    const source = (seed: number) => (length: number) => Buffer.alloc(length, seed);
    // Every byte equal is valid input for the sampler; what matters is determinism.
    expect(format.mint('refresh', source(7)).token).toBe(format.mint('refresh', source(7)).token);
    expect(format.mint('refresh', source(7)).token).not.toBe(format.mint('refresh', source(8)).token);
  });

  it('keeps working when the entropy source yields many rejected bytes', () => {
    let calls = 0;
    const mostlyRejected = (length: number) => {
      calls++;
      return Buffer.from(Array.from({ length }, (_, i) => (i % 8 === 0 ? 61 : 250)));
    };
    expect(format.parse(format.mint('access', mostlyRejected).token)).not.toBeNull();
    expect(calls).toBeGreaterThan(1);
  });

  it('supports a custom prefix and refuses tokens of another prefix', () => {
    const custom = new TokenFormat('myapp');
    const { token } = custom.mint('access');
    expect(token.startsWith('myapp_at_')).toBe(true);
    expect(custom.parse(token)).not.toBeNull();
    expect(format.parse(token)).toBeNull();
    expect(() => new TokenFormat('bad_prefix')).toThrow(/prefix/);
  });
});
