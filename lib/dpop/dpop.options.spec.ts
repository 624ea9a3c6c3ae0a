import { resolveTokenAuthOptions } from '../token-auth.options-validation';
import { MemoryDpopReplayStore } from './dpop-replay.store';
import { defaultSignatureThreads } from './dpop.options';

const base = { mode: 'extend' as const, users: { findById: () => null, verifyCredentials: () => null }, secrets: 'kR7vN2qX9mZ4tB8wL1cF6yH3pJ0sD5gA-test' };
const resolve = (dpop: unknown) => resolveTokenAuthOptions({ ...base, dpop } as any);

describe('the dpop option', () => {
  it('is off by default and as "off", and then adds no DPoP scheme', () => {
    expect(resolve(undefined).dpop).toBe(false);
    expect(resolve('off').dpop).toBe(false);
    expect(resolve(undefined).schemes.has('dpop')).toBe(false);
  });

  it('takes a mode or an object, with defaults', () => {
    const resolved = resolve('optional');
    expect(resolved.dpop).toMatchObject({ mode: 'optional', algorithms: ['ES256', 'EdDSA', 'Ed25519', 'RS256'], proofMaxAgeMs: 60_000, clockSkewMs: 5_000, nonceLifetimeMs: null, origin: null, signatureThreads: defaultSignatureThreads() });
    expect(resolved.schemes.has('dpop')).toBe(true);
    expect((resolved.dpop as any).replayStore).toBeInstanceOf(MemoryDpopReplayStore);
    expect(resolve({ mode: 'required', nonce: true, origin: 'https://API.example.com' }).dpop).toMatchObject({ nonceLifetimeMs: 300_000, origin: 'https://api.example.com' });
    expect(resolve({ mode: 'optional', signatureThreads: 0 }).dpop).toMatchObject({ signatureThreads: 0 });
    expect(resolve({ mode: 'optional', signatureThreads: 3 }).dpop).toMatchObject({ signatureThreads: 3 });
  });

  it('starts one signature worker by default, none where Node sees a single CPU', () => {
    expect([defaultSignatureThreads(1), defaultSignatureThreads(2), defaultSignatureThreads(64)]).toEqual([0, 1, 1]);
  });

  it.each([
    ['sometimes', 'dpop'],
    [{ mode: 'on' }, 'dpop.mode'],
    [{ mode: 'optional', algorithms: ['HS256'] }, 'dpop.algorithms'],
    [{ mode: 'optional', algorithms: ['none'] }, 'dpop.algorithms'],
    [{ mode: 'optional', algorithms: [] }, 'dpop.algorithms'],
    [{ mode: 'optional', proofMaxAge: 0 }, 'dpop.proofMaxAge'],
    [{ mode: 'optional', nonce: 'yes' }, 'dpop.nonce'],
    [{ mode: 'optional', replayStore: {} }, 'dpop.replayStore'],
    [{ mode: 'optional', origin: 'https://api.example.com/v1' }, 'dpop.origin'],
    [{ mode: 'optional', nonse: true }, 'dpop.nonse'],
    [{ mode: 'optional', signatureThreads: 1.5 }, 'dpop.signatureThreads'],
    [{ mode: 'optional', signatureThreads: -1 }, 'dpop.signatureThreads'],
    [{ mode: 'optional', signatureThreads: 17 }, 'dpop.signatureThreads'],
    [{ mode: 'optional', signatureThreads: '2' }, 'dpop.signatureThreads'],
  ])('refuses %p, naming %s', (dpop, option) => {
    expect(() => resolve(dpop)).toThrow(expect.objectContaining({ option }));
  });
});
