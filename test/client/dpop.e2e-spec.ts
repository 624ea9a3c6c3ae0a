import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, JWK, jwtVerify } from 'jose';
import { createHash } from 'node:crypto';
import { createTokenClient, LogoutReason, StorageLike, TokenClient } from '../../client';
import { DpopOptions } from '../../lib';
import { generateKeyPair, generateProof } from '../dpop/dpop-client';
import { selectedDatabases } from '../support/databases';
import { createTestApp, Mode, MODES, TestApp } from '../support/test-app';

/** One request as the client sent it to the real server, and the answer's status. */
interface Sent {
  method: string;
  path: string;
  authorization: string | null;
  dpop: string | null;
  status: number;
}

/**
 * The browser client (in Node: WebCrypto, no IndexedDB, so its keys live in memory) against the
 * real server. Its proofs are checked by the server and, independently, with `jose`; the attacker's
 * proofs come from panva's `dpop` package.
 */
function harness(t: () => TestApp, mode: Mode, extra: { cookies?: boolean } = {}) {
  const sent: Sent[] = [];
  const logouts: LogoutReason[] = [];
  const map = new Map<string, string>();
  const storage: StorageLike = { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
  const jar = new Map<string, string>();
  const api: TokenClient = createTokenClient({
    baseUrl: t().url,
    mode,
    storage,
    dpop: true,
    ...extra,
    onLogout: (reason) => logouts.push(reason),
    fetch: async (input) => {
      // The client always hands its fetch a Request.
      const request = input as Request;
      // Node's fetch keeps no cookies: a jar stands in for the browser's in cookie mode.
      if (jar.size) request.headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
      const response = await fetch(request);
      for (const cookie of response.headers.getSetCookie()) {
        const [name, value] = cookie.split(';')[0].split('=');
        if (value) jar.set(name, value);
        else jar.delete(name);
      }
      const { pathname, search } = new URL(request.url);
      sent.push({ method: request.method, path: pathname + search, authorization: request.headers.get('authorization'), dpop: request.headers.get('dpop'), status: response.status });
      return response;
    },
  });
  const state = () => JSON.parse(map.get('nta') ?? 'null') as { access?: string; refresh?: string } | null;
  const last = (path: string) => sent.filter((s) => s.path === path).at(-1)!;
  return { api, sent, logouts, state, last, jar };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
const jwkOf = (proof: string) => decodeProtectedHeader(proof).jwk as JWK;
const thumbprint = (proof: string) => calculateJwkThumbprint(jwkOf(proof));

const cases = selectedDatabases().flatMap((db) => (['optional', 'required'] as const).flatMap((dpop) => MODES.map((mode) => [db, dpop, mode] as const)));

describe.each(cases)('the client with dpop: true on %s, server dpop %s, %s mode', (db, dpop, mode) => {
  let t: TestApp;
  let h: ReturnType<typeof harness>;

  beforeAll(async () => {
    t = await createTestApp({ database: db, mode, options: { dpop } });
    await t.register('dora');
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    // The client stamps proofs and reads expiries with the real time.
    t.clock.ms = Date.now();
    h = harness(() => t, mode);
    await h.api.login('dora', 'correct horse battery', { name: 'node' });
  });
  afterEach(() => h.api.close());

  it('binds the login to a key, and signs every request with a fresh proof by that key', async () => {
    const details = await h.api(`/auth/token`);
    expect({ status: details.status, bound: (await details.json()).dpopBound }).toEqual({ status: 200, bound: true });
    expect((await h.api('/me')).status).toBe(200);
    expect((await h.api.sessions())[0]).toMatchObject({ current: true, dpopBound: true });
    const token = h.state()!.access!;
    expect(h.sent.map((s) => [s.method, s.path, s.status, s.authorization])).toEqual([
      ['POST', '/auth/login', 200, null],
      ['GET', '/auth/token', 200, `DPoP ${token}`],
      ['GET', '/me', 200, `DPoP ${token}`],
      ['GET', '/auth/tokens', 200, `DPoP ${token}`],
    ]);
    const proofs = h.sent.map((s) => s.dpop!);
    expect(new Set(proofs).size).toBe(4);
    expect(new Set(await Promise.all(proofs.map(thumbprint))).size).toBe(1);
  });

  it('makes proofs that jose verifies: header, htm, htu without the query, iat, jti, ath', async () => {
    expect((await h.api('/me?page=2#top')).status).toBe(200);
    const proof = h.last('/me?page=2').dpop!;
    const jwk = jwkOf(proof);
    expect(Object.keys(jwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    const { payload, protectedHeader } = await jwtVerify(proof, await importJWK(jwk, 'ES256'), { typ: 'dpop+jwt', algorithms: ['ES256'] });
    expect(protectedHeader).toEqual({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String) } });
    expect(payload).toEqual({ jti: expect.stringMatching(/^[\w-]{20,}$/), htm: 'GET', htu: `${t.url}/me`, iat: expect.any(Number), ath: sha256(h.state()!.access!) });
    expect(Math.abs((payload.iat as number) - Date.now() / 1000)).toBeLessThan(30);
    // At login (no token yet) the proof has no ath.
    const login = await jwtVerify(h.last('/auth/login').dpop!, await importJWK(jwk, 'ES256'), { typ: 'dpop+jwt' });
    expect(login.payload).toEqual({ jti: expect.any(String), htm: 'POST', htu: `${t.url}/auth/login`, iat: expect.any(Number) });
  });

  if (mode === 'rotate') {
    it('keeps the binding across several rotations, each refresh proving the key', async () => {
      const tokens = new Set([h.state()!.refresh]);
      for (let i = 0; i < 4; i++) {
        expect(await h.api.refresh()).toBe(true);
        expect((await h.api('/me')).status).toBe(200);
        tokens.add(h.state()!.refresh);
      }
      expect(tokens.size).toBe(5);
      const refreshes = h.sent.filter((s) => s.path === '/auth/refresh');
      expect(refreshes.map((s) => s.status)).toEqual([200, 200, 200, 200]);
      const first = await thumbprint(h.sent[0].dpop!);
      for (const s of refreshes) {
        expect(await thumbprint(s.dpop!)).toBe(first);
        expect(decodeProtectedHeader(s.dpop!).typ).toBe('dpop+jwt');
      }
      expect((await (await h.api('/auth/token')).json()).dpopBound).toBe(true);
      expect(h.logouts).toEqual([]);
    });
  } else {
    it('extends with a proof, and the session stays bound', async () => {
      expect(await h.api.extend()).toBe(true);
      expect(h.last('/auth/extend')).toMatchObject({ status: 200, authorization: `DPoP ${h.state()!.access}`, dpop: expect.any(String) });
      expect((await (await h.api('/auth/token')).json()).dpopBound).toBe(true);
    });
  }

  it('refuses the stolen access token sent as Bearer, or as DPoP with a proof by another key', async () => {
    const stolen = h.state()!.access!;
    const asBearer = await t.http().get('/me').set('Authorization', `Bearer ${stolen}`);
    expect({ status: asBearer.status, error: asBearer.body.error, reason: asBearer.body.reason }).toEqual({ status: 401, error: 'invalid_token', reason: 'dpop_bound' });
    const thief = await generateKeyPair('ES256');
    const withOtherKey = await t.http().get('/me').set('Authorization', `DPoP ${stolen}`).set('DPoP', await generateProof(thief, `${t.url}/me`, 'GET', undefined, stolen));
    expect({ status: withOtherKey.status, reason: withOtherKey.body.reason }).toEqual({ status: 401, reason: 'key_mismatch' });
    if (mode === 'rotate') {
      const refresh = await t.http().post('/auth/refresh').set('DPoP', await generateProof(thief, `${t.url}/auth/refresh`, 'POST')).send({ refreshToken: h.state()!.refresh });
      expect({ status: refresh.status, reason: refresh.body.reason }).toEqual({ status: 400, reason: 'key_mismatch' });
    }
    // The owner goes on as before: nothing was spent or revoked.
    expect((await h.api('/me')).status).toBe(200);
    if (mode === 'rotate') expect(await h.api.refresh()).toBe(true);
    expect(h.logouts).toEqual([]);
  });

  it('uses a new key for each login: the old key is dropped at logout', async () => {
    const first = await thumbprint(h.sent[0].dpop!);
    await h.api.logout();
    expect(h.last('/auth/logout').status).toBe(204);
    expect(h.logouts).toEqual(['logout']);
    await h.api.login('dora', 'correct horse battery');
    expect((await h.api('/me')).status).toBe(200);
    expect(await thumbprint(h.last('/me').dpop!)).not.toBe(first);
    expect(await thumbprint(h.last('/auth/login').dpop!)).toBe(await thumbprint(h.last('/me').dpop!));
  });
});

describe.each(selectedDatabases().flatMap((db) => MODES.map((mode) => [db, mode] as const)))('the client with server nonces on %s, %s mode', (db, mode) => {
  let t: TestApp;
  const options: DpopOptions = { mode: 'required', nonce: true, nonceLifetime: 1 };

  beforeAll(async () => {
    t = await createTestApp({ database: db, mode, options: { dpop: options } });
    t.clock.ms = Date.now();
    await t.register('nina');
  });
  afterAll(() => t.close());

  it('retries once with the nonce a refusal carries, at login, at resources and at refresh, and never logs out for it', async () => {
    const h = harness(() => t, mode);
    await h.api.login('nina', 'correct horse battery');
    const statuses = (path: string) => h.sent.filter((s) => s.path === path).map((s) => s.status);
    expect(statuses('/auth/login')).toEqual([400, 200]);
    // The nonce is known now: one request each.
    expect((await h.api('/me')).status).toBe(200);
    expect(statuses('/me')).toEqual([200]);
    const nonceOf = (proof: string) => JSON.parse(Buffer.from(proof.split('.')[1], 'base64url').toString()).nonce;
    expect(nonceOf(h.last('/me').dpop!)).toBe(nonceOf(h.last('/auth/login').dpop!));
    // Two nonce lifetimes later the server wants a new one.
    t.clock.advance(2);
    expect((await h.api('/me')).status).toBe(200);
    expect(statuses('/me')).toEqual([200, 401, 200]);
    if (mode === 'rotate') {
      t.clock.advance(2);
      expect(await h.api.refresh()).toBe(true);
      expect(statuses('/auth/refresh')).toEqual([400, 200]);
    } else {
      t.clock.advance(2);
      expect(await h.api.extend()).toBe(true);
      expect(statuses('/auth/extend')).toEqual([401, 200]);
    }
    expect((await h.api('/auth/token').then((r) => r.json())).dpopBound).toBe(true);
    expect(h.logouts).toEqual([]);
    h.api.close();
  });
});

describe.each(selectedDatabases())('the client with dpop and cookies on %s', (db) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ database: db, mode: 'rotate', options: { dpop: 'required', cookie: {} } });
    t.clock.ms = Date.now();
    await t.register('cora');
  });
  afterAll(() => t.close());

  it('works in rotate mode: the refresh cookie is refreshed with a proof, the access token goes as DPoP', async () => {
    const h = harness(() => t, 'rotate', { cookies: true });
    await h.api.login('cora', 'correct horse battery');
    expect(h.state()).toEqual(expect.not.objectContaining({ access: expect.anything(), refresh: expect.anything() }));
    expect(h.jar.size).toBe(1);
    for (let i = 0; i < 3; i++) expect(await h.api.refresh()).toBe(true);
    const me = await h.api('/auth/token');
    expect({ status: me.status, bound: (await me.json()).dpopBound }).toEqual({ status: 200, bound: true });
    expect(h.sent.filter((s) => s.path === '/auth/refresh').map((s) => [s.status, s.dpop !== null])).toEqual([[200, true], [200, true], [200, true]]);
    const stolen = h.last('/auth/token').authorization!.replace(/^DPoP /, '');
    expect((await t.http().get('/me').set('Authorization', `Bearer ${stolen}`)).body.reason).toBe('dpop_bound');
    expect(h.logouts).toEqual([]);
    h.api.close();
  });

  it('refuses dpop with cookies in extend mode at creation, saying why', () => {
    expect(() => createTokenClient({ baseUrl: t.url, mode: 'extend', cookies: true, dpop: true })).toThrow(/dpop with cookies needs mode "rotate"/);
  });
});
