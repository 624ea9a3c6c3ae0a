import { TokenAuthEvent, TokenAuthService } from '../../lib';
import { selectedDatabases } from '../support/databases';
import { bearer, createTestApp, MODES, PASSWORD, TestApp, TestUser } from '../support/test-app';
import { athOf, calculateThumbprint, claims, es256Jwt, generateKeyPair, generateProof, hs256Jwt, KeyPair, nodeEcKey, unsignedJwt } from './dpop-client';
import { acrossInstances } from './dpop-instances.scenario';
import { replayStoreOutage } from './dpop-replay-outage.scenario';

const cases = selectedDatabases().flatMap((db) => MODES.map((mode) => [db, mode] as const));

/** The refusal every hostile proof must get: 401, the DPoP challenge first, the usual JSON body, never a 500. */
function expectProofRefused(response: { status: number; body: any; headers: Record<string, string> }, reason: string, error = 'invalid_dpop_proof') {
  expect({ status: response.status, error: response.body.error, reason: response.body.reason }).toEqual({ status: 401, error, reason });
  expect(response.body).toEqual({ statusCode: 401, error, reason, message: expect.any(String) });
  expect(response.headers['www-authenticate']).toMatch(new RegExp(`^DPoP realm="api", error="${error}", error_description="[^"]+", algs="ES256 EdDSA Ed25519 RS256", Bearer realm="api"$`));
}

describe.each(cases)('DPoP (optional) on %s in %s mode', (db, mode) => {
  let t: TestApp;
  let key: KeyPair;
  let bound: { token: string; refreshToken?: string };
  const events: TokenAuthEvent[] = [];
  const url = (path: string) => `${t.url}${path}`;
  const get = (path: string, token: string, proof?: string, scheme = 'DPoP') => {
    const req = t.http().get(path).set('Authorization', `${scheme} ${token}`);
    return proof === undefined ? req : req.set('DPoP', proof);
  };
  const proofFor = (path: string, token?: string, k: KeyPair = key, htm = 'GET') => generateProof(k, url(path), htm, undefined, token);

  beforeAll(async () => {
    t = await createTestApp({ database: db, mode, options: { dpop: 'optional', onEvent: (event) => events.push(event) } });
    t.clock.ms = Date.now(); // the client library stamps proofs with the real time
    await t.register('dora');
    await t.register('bert');
    key = await generateKeyPair('ES256');
    const login = await t.http().post('/auth/login').set('DPoP', await generateProof(key, url('/auth/login'), 'POST')).send({ username: 'dora', password: PASSWORD });
    expect(login.status).toBe(200);
    bound = login.body;
  });
  afterAll(() => t.close());
  beforeEach(() => (events.length = 0));

  it('binds a login made with a proof, and accepts the token as DPoP with a fresh proof per request (guard and Passport)', async () => {
    for (const path of ['/me', '/me/passport', '/me']) {
      const response = await get(path, bound.token, await proofFor(path, bound.token));
      expect({ status: response.status, body: response.body }).toEqual({ status: 200, body: { id: expect.any(Number), username: 'dora' } });
    }
  });

  it('shows the binding on GET /auth/token and GET /auth/tokens, never the key', async () => {
    const details = await get('/auth/token', bound.token, await proofFor('/auth/token', bound.token));
    expect(details.body.dpopBound).toBe(true);
    const sessions = await get('/auth/tokens', bound.token, await proofFor('/auth/tokens', bound.token));
    expect(sessions.body).toEqual([expect.objectContaining({ current: true, dpopBound: true })]);
    const thumbprint = await calculateThumbprint(key.publicKey);
    expect(JSON.stringify([details.body, sessions.body])).not.toContain(thumbprint);
  });

  it('leaves a login without a proof unbound: a plain Bearer session as before', async () => {
    const plain = await t.login('bert');
    const me = await t.http().get('/me').set('Authorization', bearer(plain.token));
    expect(me.status).toBe(200);
    expect(me.headers['www-authenticate']).toBeUndefined();
    expect((await t.http().get('/auth/token').set('Authorization', bearer(plain.token))).body.dpopBound).toBe(false);
  });

  it('refuses a bound token presented as Bearer, with or without a proof', async () => {
    for (const proof of [undefined, await proofFor('/me', bound.token)]) {
      const response = await get('/me', bound.token, proof, 'Bearer');
      expectProofRefused(response, 'dpop_bound', 'invalid_token');
    }
    const rejected = expect.objectContaining({ type: 'dpop-proof-rejected', reason: 'dpop_bound', sessionId: expect.any(String), userId: expect.any(String) });
    expect(events).toEqual([rejected, rejected]);
    // Ids and the reason only: no token, no proof, no key.
    expect(JSON.stringify(events)).not.toContain(bound.token.slice(-20));
    expect(Object.keys(events[0]).sort()).toEqual(['at', 'reason', 'sessionId', 'type', 'userId']);
  });

  it('refuses a DPoP request without a proof, with two proofs, or with garbage', async () => {
    expectProofRefused(await get('/me', bound.token), 'missing');
    const twice = await t.http().get('/me').set('Authorization', `DPoP ${bound.token}`).set('DPoP', [await proofFor('/me', bound.token), await proofFor('/me', bound.token)] as unknown as string);
    expectProofRefused(twice, 'multiple');
    for (const garbage of ['x', 'a.b.c', '..', `${'A'.repeat(9000)}`]) expectProofRefused(await get('/me', bound.token, garbage), 'malformed');
    expectProofRefused(await get('/me', bound.token, 'e30.e30.'), 'typ');
  });

  it('refuses a proof for another method or another URI, and accepts one that differs only as RFC 9449 normalisation allows', async () => {
    expectProofRefused(await get('/me', bound.token, await proofFor('/me', bound.token, key, 'POST')), 'htm');
    expectProofRefused(await get('/me', bound.token, await proofFor('/admin', bound.token)), 'htu');
    expectProofRefused(await get('/me', bound.token, await generateProof(key, url('/me').replace('http:', 'https:'), 'GET', undefined, bound.token)), 'htu');
    const loose = url('/%6De').replace('http://127.0.0.1', 'HTTP://127.0.0.1') + '?q=1#frag';
    expect((await get('/me?x=2', bound.token, await generateProof(key, loose, 'GET', undefined, bound.token))).status).toBe(200);
  });

  it('refuses a stale proof and one issued in the future', async () => {
    const stale = await proofFor('/me', bound.token);
    t.clock.advance(61);
    try {
      expectProofRefused(await get('/me', bound.token, stale), 'iat');
    } finally {
      t.clock.advance(-61);
    }
    t.clock.advance(-30);
    try {
      expectProofRefused(await get('/me', bound.token, await proofFor('/me', bound.token)), 'iat');
    } finally {
      t.clock.advance(30);
    }
  });

  it('accepts a proof once: the replay is refused', async () => {
    const proof = await proofFor('/me', bound.token);
    expect((await get('/me', bound.token, proof)).status).toBe(200);
    expectProofRefused(await get('/me', bound.token, proof), 'replayed');
    expect(events.map((e) => e.reason)).toEqual(['replayed']);
  });

  it("refuses a proof whose ath is another token's hash", async () => {
    const other = await t.login('bert');
    expectProofRefused(await get('/me', bound.token, await proofFor('/me', other.token)), 'ath');
  });

  it('refuses alg none, a symmetric alg, and a proof carrying a private key', async () => {
    const { privateKey, publicJwk, privateJwk } = nodeEcKey();
    const payload = () => claims('GET', url('/me'), t.clock.now(), { ath: athOf(bound.token) });
    expectProofRefused(await get('/me', bound.token, unsignedJwt({ typ: 'dpop+jwt', jwk: publicJwk }, payload())), 'alg');
    expectProofRefused(await get('/me', bound.token, hs256Jwt({ typ: 'dpop+jwt', jwk: { kty: 'oct', k: 'c2VjcmV0' } }, payload(), 'secret')), 'alg');
    expectProofRefused(await get('/me', bound.token, es256Jwt({ typ: 'dpop+jwt', alg: 'ES256', jwk: privateJwk }, payload(), privateKey)), 'jwk');
    expectProofRefused(await get('/me', bound.token, es256Jwt({ typ: 'JWT', alg: 'ES256', jwk: publicJwk }, payload(), privateKey)), 'typ');
    // The key in the header is not the one that signed: the signature fails.
    expectProofRefused(await get('/me', bound.token, es256Jwt({ typ: 'dpop+jwt', alg: 'ES256', jwk: nodeEcKey().publicJwk }, payload(), privateKey)), 'signature');
  });

  it('refuses a valid proof made with a key other than the bound one', async () => {
    expectProofRefused(await get('/me', bound.token, await proofFor('/me', bound.token, await generateKeyPair('ES256'))), 'key_mismatch');
  });

  it('binds sessions to EdDSA (Ed25519) and RS256 keys too', async () => {
    for (const alg of ['Ed25519', 'RS256'] as const) {
      const other = await generateKeyPair(alg);
      const login = await t.http().post('/auth/login').set('DPoP', await generateProof(other, url('/auth/login'), 'POST')).send({ username: 'bert', password: PASSWORD });
      expect(login.status).toBe(200);
      expect((await get('/me', login.body.token, await proofFor('/me', login.body.token, other))).status).toBe(200);
      expectProofRefused(await get('/me', login.body.token, await proofFor('/me', login.body.token, key)), 'key_mismatch');
    }
  });

  it('refuses a login whose proof is bad (400, no session made)', async () => {
    const before = (await get('/auth/tokens', bound.token, await proofFor('/auth/tokens', bound.token))).body.length;
    const login = await t.http().post('/auth/login').set('DPoP', await generateProof(key, url('/auth/refresh'), 'POST')).send({ username: 'dora', password: PASSWORD });
    expect(login.status).toBe(400);
    expect(login.body).toEqual({ statusCode: 400, error: 'invalid_dpop_proof', reason: 'htu', error_description: expect.any(String), message: expect.any(String) });
    expect((await get('/auth/tokens', bound.token, await proofFor('/auth/tokens', bound.token))).body.length).toBe(before);
  });

  if (mode === 'rotate') {
    const refresh = (refreshToken: string, proof?: string) => {
      const req = t.http().post('/auth/refresh');
      return (proof === undefined ? req : req.set('DPoP', proof)).send({ refreshToken });
    };

    it('keeps the binding across rotation: a refresh must prove the same key, and the new pair is bound', async () => {
      const login = await t.http().post('/auth/login').set('DPoP', await generateProof(key, url('/auth/login'), 'POST')).send({ username: 'dora', password: PASSWORD });
      const other = await generateKeyPair('ES256');
      for (const [proof, reason] of [[undefined, 'missing'], [await generateProof(other, url('/auth/refresh'), 'POST'), 'key_mismatch']] as const) {
        const refused = await refresh(login.body.refreshToken, proof);
        expect({ status: refused.status, error: refused.body.error, reason: refused.body.reason }).toEqual({ status: 400, error: 'invalid_dpop_proof', reason });
      }
      // The refused attempts changed nothing: the refresh token is still unspent.
      const next = await refresh(login.body.refreshToken, await generateProof(key, url('/auth/refresh'), 'POST'));
      expect(next.status).toBe(200);
      expect((await get('/me', next.body.token, await proofFor('/me', next.body.token))).status).toBe(200);
      expectProofRefused(await get('/me', next.body.token, undefined, 'Bearer'), 'dpop_bound', 'invalid_token');
      // An unbound session refreshes as before, proof or not.
      const plain = await t.login('bert');
      expect((await refresh(plain.refreshToken!)).status).toBe(200);
    });
  }
});

describe.each(selectedDatabases())('DPoP required on %s', (db) => {
  let t: TestApp;
  let user: TestUser;
  const url = (path: string) => `${t.url}${path}`;

  beforeAll(async () => {
    t = await createTestApp({ database: db, mode: 'rotate', options: { dpop: { mode: 'required', algorithms: ['ES256'], signatureThreads: 0 } } });
    t.clock.ms = Date.now();
    user = await t.register('rita');
  });
  afterAll(() => t.close());

  it('refuses a login without a proof, and answers 401s with the DPoP challenge alone', async () => {
    const login = await t.http().post('/auth/login').send({ username: 'rita', password: PASSWORD });
    expect({ status: login.status, error: login.body.error, reason: login.body.reason }).toEqual({ status: 400, error: 'invalid_dpop_proof', reason: 'missing' });
    const anonymous = await t.http().get('/me');
    expect(anonymous.headers['www-authenticate']).toBe('DPoP realm="api", algs="ES256"');
  });

  it('refuses an unbound session, with a valid proof or as Bearer', async () => {
    // A session made before DPoP was required (or by the host through the service) carries no key.
    const unbound = await t.app.get(TokenAuthService).login(user);
    const key = await generateKeyPair('ES256');
    const withProof = await t.http().get('/me').set('Authorization', `DPoP ${unbound.token}`).set('DPoP', await generateProof(key, url('/me'), 'GET', undefined, unbound.token));
    expect({ status: withProof.status, body: withProof.body }).toEqual({ status: 401, body: { statusCode: 401, error: 'invalid_token', reason: 'not_bound', message: expect.any(String) } });
    expect(withProof.headers['www-authenticate']).toMatch(/^DPoP realm="api", error="invalid_token", error_description="[^"]+", algs="ES256"$/);
    const asBearer = await t.http().get('/me').set('Authorization', bearer(unbound.token));
    expect({ status: asBearer.status, reason: asBearer.body.reason }).toEqual({ status: 401, reason: 'dpop_required' });
    const refreshed = await t.http().post('/auth/refresh').send({ refreshToken: unbound.refreshToken });
    expect({ status: refreshed.status, reason: refreshed.body.reason }).toEqual({ status: 400, reason: 'dpop_required' });
  });

  it('refuses an algorithm outside the configured list', async () => {
    const key = await generateKeyPair('Ed25519');
    const login = await t.http().post('/auth/login').set('DPoP', await generateProof(key, url('/auth/login'), 'POST')).send({ username: 'rita', password: PASSWORD });
    expect({ status: login.status, reason: login.body.reason }).toEqual({ status: 400, reason: 'alg' });
  });
});

acrossInstances();
replayStoreOutage();
