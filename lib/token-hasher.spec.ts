import { TokenHasher } from './token-hasher';

const SECRET_A = 'a'.repeat(32);
const SECRET_B = 'b'.repeat(32);

describe('TokenHasher', () => {
  it('produces a keyed hex digest bound to key id and secret', () => {
    const hasher = new TokenHasher([{ id: 'k1', secret: SECRET_A }]);
    const digest = hasher.digest('key', 'secret') as string;
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(hasher.digest('key', 'secret')).toBe(digest);
    expect(hasher.digest('kez', 'secret')).not.toBe(digest);
    expect(hasher.digest('key', 'secreu')).not.toBe(digest);
    expect(new TokenHasher([{ id: 'k1', secret: SECRET_B }]).digest('key', 'secret')).not.toBe(digest);
  });

  it('matches only the right secret', () => {
    const hasher = new TokenHasher([{ id: 'k1', secret: SECRET_A }]);
    const stored = { digest: hasher.digest('key', 'secret') as string, hashKeyId: 'k1' };
    expect(hasher.matches(stored, 'key', 'secret')).toBe(true);
    expect(hasher.matches(stored, 'key', 'Secret')).toBe(false);
    expect(hasher.matches({ ...stored, digest: stored.digest.slice(1) }, 'key', 'secret')).toBe(false);
    expect(hasher.matches({ ...stored, hashKeyId: 'gone' }, 'key', 'secret')).toBe(false);
  });

  it('verifies digests of an older secret after rotation, signs with the first', () => {
    const old = new TokenHasher([{ id: 'k1', secret: SECRET_A }]);
    const stored = { digest: old.digest('key', 'secret') as string, hashKeyId: 'k1' };
    const rotated = new TokenHasher([
      { id: 'k2', secret: SECRET_B },
      { id: 'k1', secret: SECRET_A },
    ]);
    expect(rotated.currentKeyId).toBe('k2');
    expect(rotated.matches(stored, 'key', 'secret')).toBe(true);
  });
});
