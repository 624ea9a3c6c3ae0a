import { constants, createHash, generateKeyPairSync, KeyObject, randomUUID, sign } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { DpopNonces } from './dpop-nonce';
import { DpopProofVerifier, PROOF_VERIFIER_OPTIONS, ProofCheck } from './dpop-proof';
import { DpopAlgorithm, resolveDpopOptions } from './dpop.options';
import { fastJwtPath, loadFastJwt } from './fast-jwt-loader';
import { inThreadSignatures, ProofSignatures, SignatureThreads } from './signature-threads';

/**
 * The proof check on its own, every refusal reason it can give. Proofs are assembled here by hand
 * with node:crypto, so a hostile one is as easy to write as an honest one; the thumbprints are
 * compared with jose's, an independent implementation.
 */
const URL = 'https://api.example.test/me';
const TOKEN = 'ntk_at_example-access-token';
const ALL: DpopAlgorithm[] = ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'PS256'];
const clock = { ms: Date.UTC(2030, 0, 1, 12), now() { return this.ms; } };
const nowS = () => Math.floor(clock.ms / 1000);

interface Key { alg: string; privateKey: KeyObject; jwk: Record<string, unknown> }

function key(alg: string, type: 'ec' | 'ed25519' | 'ed448' | 'rsa' = alg.startsWith('ES') ? 'ec' : alg.startsWith('Ed') ? 'ed25519' : 'rsa', detail: { namedCurve?: string; modulusLength?: number } = {}): Key {
  const curves: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };
  const generate = generateKeyPairSync as (type: string, options: object) => { privateKey: KeyObject; publicKey: KeyObject };
  const { privateKey, publicKey } = generate(type, { namedCurve: detail.namedCurve ?? curves[alg], modulusLength: detail.modulusLength ?? 2048 });
  return { alg, privateKey, jwk: publicKey.export({ format: 'jwk' }) as Record<string, unknown> };
}

function signature(alg: string, input: Buffer, privateKey: KeyObject): Buffer {
  const bits = alg.slice(2);
  if (alg.startsWith('ES')) return sign(`sha${bits}`, input, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  if (alg.startsWith('PS')) return sign(`sha${bits}`, input, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  if (alg.startsWith('RS')) return sign(`sha${bits}`, input, privateKey);
  return sign(null, input, privateKey);
}

const part = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A JWT signed by `signWith` under `k`'s alg, with `k`'s public key in its header; `payload` may be any text. */
function signed(k: Key, header: Record<string, unknown>, payload: unknown, signWith = k.privateKey): string {
  const input = `${part({ typ: 'dpop+jwt', alg: k.alg, jwk: k.jwk, ...header })}.${part(payload)}`;
  return `${input}.${signature(k.alg, Buffer.from(input), signWith).toString('base64url')}`;
}

/** A proof for GET `URL` with `TOKEN`, signed by `k`; `header` and `claims` override or (as `undefined`) drop members. */
function proof(k: Key, header: Record<string, unknown> = {}, claims: Record<string, unknown> = {}, signWith = k.privateKey): string {
  const ath = createHash('sha256').update(TOKEN).digest('base64url');
  return signed(k, header, { htm: 'GET', htu: URL, iat: nowS(), jti: randomUUID(), ath, ...claims }, signWith);
}

/** Where signatures are checked: each case runs both ways, so the worker gives every answer the event loop gives. */
const threads = new SignatureThreads(2, { fastJwt: fastJwtPath(), verifierOptions: PROOF_VERIFIER_OPTIONS, cacheMax: 4, answerEvery: 3 });
const WAYS: Array<[string, ProofSignatures]> = [
  ['on the event loop', inThreadSignatures],
  ['on two signature workers', threads],
];
let signatures: ProofSignatures;

async function verifier(options: Record<string, unknown> = {}): Promise<DpopProofVerifier> {
  const resolved = resolveDpopOptions({ mode: 'optional', algorithms: ALL, ...options }, clock, (option) => new Error(option));
  if (!resolved) throw new Error('dpop is off');
  const nonces = resolved.nonceLifetimeMs === null ? null : new DpopNonces('a-secret', resolved.nonceLifetimeMs, clock);
  return new DpopProofVerifier(loadFastJwt(), resolved, clock, nonces, signatures);
}

const outcome = (check: ProofCheck) => (check.ok ? 'ok' : check.reason);

afterAll(() => threads.onModuleDestroy());

describe.each(WAYS)('DpopProofVerifier, signatures checked %s', (_way, way) => {
  const es256 = key('ES256');
  let v: DpopProofVerifier;
  const check = async (p: unknown, expected: { method?: string; url?: string; accessToken?: string } = {}) =>
    outcome(await v.check(p, { method: 'GET', url: URL, accessToken: TOKEN, ...expected }));

  beforeAll(async () => {
    signatures = way;
    v = await verifier();
  });

  it("accepts a proof in each algorithm, twice with one key, and returns the key's RFC 7638 thumbprint as jose computes it", async () => {
    for (const alg of ALL) {
      const k = key(alg);
      const expectedJkt = await calculateJwkThumbprint(k.jwk as any, 'sha256');
      for (let i = 0; i < 2; i++) {
        const result = await v.check(proof(k), { method: 'GET', url: URL, accessToken: TOKEN });
        expect({ alg, result }).toEqual({ alg, result: { ok: true, jkt: expectedJkt, replayKey: expect.any(String) } });
      }
    }
    // Members beyond the public key (kid, use, alg...) do not change the thumbprint.
    const decorated = await v.check(proof(es256, { jwk: { ...es256.jwk, kid: 'k1', use: 'sig', alg: 'ES256' } }), { method: 'GET', url: URL, accessToken: TOKEN });
    expect(decorated).toMatchObject({ ok: true, jkt: await calculateJwkThumbprint(es256.jwk as any, 'sha256') });
  });

  it('refuses what is not one readable proof', async () => {
    const good = proof(es256);
    expect(await check(undefined)).toBe('missing');
    expect(await check([good, good])).toBe('multiple');
    expect(await check(`${good}, ${proof(es256)}`)).toBe('multiple');
    const [h, p] = good.split('.');
    const unreadable = [signed(es256, {}, '{'), signed(es256, {}, [1]), signed(es256, {}, 'null'), `${part([])}.${p}.`, `${part('{')}.${p}.`, `${h}.${p}`];
    for (const garbage of [5, '', 'x', 'a.b.c', '..', 'A'.repeat(9000), ...unreadable]) {
      expect({ garbage, reason: await check(garbage) }).toEqual({ garbage, reason: 'malformed' });
    }
  });

  it('refuses a proof whose typ is not exactly dpop+jwt', async () => {
    for (const typ of [undefined, 'JWT', 'application/dpop+jwt', 'DPOP+JWT', 1]) expect({ typ, reason: await check(proof(es256, { typ })) }).toEqual({ typ, reason: 'typ' });
  });

  it('refuses alg none, symmetric algs, algs outside the configured list and no alg at all', async () => {
    const [h, p] = proof(es256).split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    expect(await check(`${part({ ...header, alg: 'none' })}.${p}.`)).toBe('alg');
    expect(await check(`${part({ ...header, alg: 'HS256' })}.${p}.${'A'.repeat(43)}`)).toBe('alg');
    expect(await check(`${part({ ...header, alg: undefined })}.${p}.${'A'.repeat(86)}`)).toBe('alg');
    expect(await check(proof(key('RS512', 'rsa')))).toBe('alg');
    const onlyEdDsa = await verifier({ algorithms: ['EdDSA'] });
    expect(outcome(await onlyEdDsa.check(proof(es256), { method: 'GET', url: URL, accessToken: TOKEN }))).toBe('alg');
  });

  it('refuses a jwk that is missing, private, of another family or curve, off the curve, or too weak', async () => {
    const priv = es256.privateKey.export({ format: 'jwk' });
    const flipped = Buffer.from(es256.jwk.y as string, 'base64url');
    flipped[31] ^= 1;
    const cases: Array<[string, string]> = [
      ['no jwk', proof(es256, { jwk: undefined })],
      ['a string', proof(es256, { jwk: 'key' })],
      ['an array', proof(es256, { jwk: [es256.jwk] })],
      ['the private key', proof(es256, { jwk: priv })],
      ['a symmetric key', proof(es256, { jwk: { kty: 'oct', k: 'c2VjcmV0' } })],
      ['an RSA key for ES256', proof(es256, { jwk: key('RS256').jwk })],
      ['an OKP key for ES256', proof(es256, { jwk: key('EdDSA').jwk })],
      ['an EC key for EdDSA', proof(key('EdDSA'), { jwk: es256.jwk })],
      ['an EC key without y', proof(es256, { jwk: { ...es256.jwk, y: undefined } })],
      ['a number for x', proof(es256, { jwk: { ...es256.jwk, x: 1 } })],
      ['a point off the curve', proof(es256, { jwk: { ...es256.jwk, y: flipped.toString('base64url') } })],
      ['P-384 under ES256', proof(key('ES256', 'ec', { namedCurve: 'P-384' }))],
      ['secp256k1 under ES256', proof(key('ES256', 'ec', { namedCurve: 'secp256k1' }))],
      ['P-256 under ES384', proof(key('ES384', 'ec', { namedCurve: 'P-256' }))],
      ['Ed448 under EdDSA', proof(key('EdDSA', 'ed448'))],
      ['Ed448 under Ed25519', proof(key('Ed25519', 'ed448'))],
      ['a 1024-bit RSA key', proof(key('RS256', 'rsa', { modulusLength: 1024 }))],
      ['a 2047-bit RSA key under PS256', proof(key('PS256', 'rsa', { modulusLength: 2047 }))],
    ];
    for (const [what, p] of cases) expect({ what, reason: await check(p) }).toEqual({ what, reason: 'jwk' });
  });

  it('refuses a signature by another key, over other content, or not a signature at all', async () => {
    const good = proof(es256);
    const [h, p, s] = good.split('.');
    const other = key('ES256');
    const der = sign('sha256', Buffer.from(`${h}.${p}`), es256.privateKey).toString('base64url');
    const cases: Array<[string, string]> = [
      ['another key', proof(es256, {}, {}, other.privateKey)],
      ['altered claims', `${h}.${part({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), htm: 'POST' })}.${s}`],
      ['empty', `${h}.${p}.`],
      ['truncated', `${h}.${p}.${s.slice(0, 40)}`],
      ['DER-encoded', `${h}.${p}.${der}`],
      ['RS256 by another key', proof(key('RS256'), {}, {}, key('RS256').privateKey)],
      ['EdDSA by another key', proof(key('EdDSA'), {}, {}, key('EdDSA').privateKey)],
    ];
    for (const [what, proofText] of cases) expect({ what, reason: await check(proofText) }).toEqual({ what, reason: 'signature' });
  });

  it('refuses claims for another request or token, out of their time window, or without a usable jti', async () => {
    expect(await check(proof(es256), { method: 'POST' })).toBe('htm');
    expect(await check(proof(es256, {}, { htm: undefined }))).toBe('htm');
    expect(await check(proof(es256), { url: 'https://api.example.test/other' })).toBe('htu');
    expect(await check(proof(es256, {}, { htu: 5 }))).toBe('htu');
    expect(await check(proof(es256, {}, { iat: nowS() - 61 }))).toBe('iat');
    expect(await check(proof(es256, {}, { iat: nowS() + 6 }))).toBe('iat');
    expect(await check(proof(es256, {}, { iat: undefined }))).toBe('iat');
    expect(await check(proof(es256, {}, { jti: undefined }))).toBe('jti');
    expect(await check(proof(es256, {}, { jti: '' }))).toBe('jti');
    expect(await check(proof(es256, {}, { jti: 'j'.repeat(257) }))).toBe('jti');
    expect(await check(proof(es256, {}, { jti: 7 }))).toBe('jti');
    expect(await check(proof(es256), { accessToken: 'another-token' })).toBe('ath');
    expect(await check(proof(es256, {}, { ath: undefined }))).toBe('ath');
    // At login and refresh there is no token: ath is not looked at.
    expect(await check(proof(es256, {}, { ath: undefined }), { accessToken: undefined })).toBe('ok');
  });

  it('checks exp and nbf against the module clock when a proof carries them, and the time claims are numbers', async () => {
    expect(await check(proof(es256, {}, { exp: nowS() + 1, nbf: nowS() }))).toBe('ok');
    expect(await check(proof(es256, {}, { exp: nowS() }))).toBe('malformed');
    expect(await check(proof(es256, {}, { exp: nowS() - 30 }))).toBe('malformed');
    expect(await check(proof(es256, {}, { nbf: nowS() + 1 }))).toBe('malformed');
    expect(await check(proof(es256, {}, { exp: String(nowS() + 30) }))).toBe('malformed');
    expect(await check(proof(es256, {}, { nbf: null }))).toBe('malformed');
    expect(await check(proof(es256, {}, { iat: String(nowS()) }))).toBe('malformed');
    // The module clock decides, not the machine's: a proof stamped in 2030 passes at 2030.
    expect(clock.ms).toBeGreaterThan(Date.now() + 86_400_000);
  });

  it('refuses any critical header extension: it understands none', async () => {
    expect(await check(proof(es256, { crit: ['exp'], exp: 1 }))).toBe('malformed');
    expect(await check(proof(es256, { crit: ['b64'], b64: false }))).toBe('malformed');
    expect(await check(proof(es256, { crit: ['b64'], b64: true }))).toBe('malformed');
    expect(await check(proof(es256, { crit: [] }))).toBe('malformed');
    expect(await check(proof(es256, { crit: 'exp' }))).toBe('malformed');
  });

  it('demands a current server nonce when nonces are on', async () => {
    const withNonces = await verifier({ nonce: true });
    const nonce = withNonces.nonces!.issue();
    const run = async (p: string) => outcome(await withNonces.check(p, { method: 'GET', url: URL, accessToken: TOKEN }));
    expect(await run(proof(es256))).toBe('nonce');
    expect(await run(proof(es256, {}, { nonce: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }))).toBe('nonce');
    expect(await run(proof(es256, {}, { nonce }))).toBe('ok');
  });
});
