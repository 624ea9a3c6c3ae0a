import { randomBytes } from 'node:crypto';
import { isStrongSecret } from './secret-strength';

describe('isStrongSecret', () => {
  it.each([
    ['32 × a', 'a'.repeat(32)],
    ['a repeated pair', 'ab'.repeat(32)],
    ['an alphabet run', 'abcdefghijklmnopqrstuvwxyz0123456789'],
    ['a phrase with a counting tail', 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz'],
    ['31 random bytes', randomBytes(31)],
    ['16 random bytes as hex (32 characters, too few bits by the estimate)', randomBytes(16).toString('hex')],
    ['a long typed phrase of few letters', 'password'.repeat(8)],
    ['zeros', Buffer.alloc(64)],
  ])('refuses %s', (_name, secret) => {
    expect(isStrongSecret(secret)).toBe(false);
  });

  it('accepts what the README command prints, and random secrets in the usual encodings, every time', () => {
    for (let i = 0; i < 500; i++) {
      const bytes = randomBytes(32);
      expect([bytes, bytes.toString('base64url'), bytes.toString('base64'), bytes.toString('hex')].map(isStrongSecret)).toEqual([true, true, true, true]);
    }
  });
});
