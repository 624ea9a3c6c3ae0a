import { secureRandomBytes } from './secure-random';

describe('secureRandomBytes', () => {
  it('hands out every byte once: 10,000 draws across many refills are distinct, full length and never zeroed', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const bytes = secureRandomBytes(i % 2 ? 60 : 12);
      expect(bytes.length).toBe(i % 2 ? 60 : 12);
      // 12 zero bytes in a row from a CSPRNG would mean a byte handed out after it was zeroed.
      expect(bytes.subarray(0, 12).equals(Buffer.alloc(12))).toBe(false);
      seen.add(bytes.toString('hex'));
    }
    expect(seen.size).toBe(10_000);
  });

  it('is uniform: byte counts over 1,000,000 bytes pass a chi-square test (255 degrees of freedom)', () => {
    const counts = new Array<number>(256).fill(0);
    for (let drawn = 0; drawn < 1_000_000; drawn += 50) for (const byte of secureRandomBytes(50)) counts[byte]++;
    const expected = 1_000_000 / 256;
    const chi = counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    // p < 1e-6 above 400 for 255 degrees of freedom.
    expect(chi).toBeLessThan(400);
  });

  it('returns copies: changing one draw changes nothing another sees', () => {
    const a = secureRandomBytes(32);
    const before = Buffer.from(a);
    secureRandomBytes(32).fill(0xff);
    expect(a.equals(before)).toBe(true);
  });

  it('serves a size larger than its pool', () => {
    const bytes = secureRandomBytes(5000);
    expect(bytes.length).toBe(5000);
    expect(new Set(bytes).size).toBeGreaterThan(200);
  });
});
