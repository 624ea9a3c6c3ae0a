import { DpopNonces } from './dpop-nonce';

describe('DpopNonces', () => {
  const clock = { ms: Date.UTC(2030, 0, 1), now() { return this.ms; } };

  it('accepts its nonce for the current and the next slot, then no more', () => {
    const nonces = new DpopNonces('a-secret', 300_000, clock);
    const nonce = nonces.issue();
    expect(nonces.accepts(nonce)).toBe(true);
    clock.ms += 300_000;
    expect(nonces.accepts(nonce)).toBe(true);
    expect(nonces.issue()).not.toBe(nonce);
    clock.ms += 300_000;
    expect(nonces.accepts(nonce)).toBe(false);
  });

  it('is shared by instances with the same secret, and refused by others or when altered', () => {
    const nonce = new DpopNonces('a-secret', 300_000, clock).issue();
    expect(new DpopNonces('a-secret', 300_000, clock).accepts(nonce)).toBe(true);
    expect(new DpopNonces('another-secret', 300_000, clock).accepts(nonce)).toBe(false);
    expect(new DpopNonces('a-secret', 300_000, clock).accepts(`${nonce.slice(0, -1)}${nonce.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    for (const junk of [undefined, 1, '', 'x'.repeat(100), '!!!!']) expect(new DpopNonces('a-secret', 300_000, clock).accepts(junk)).toBe(false);
  });
});
