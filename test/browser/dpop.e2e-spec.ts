/// <reference lib="dom" />
import { calculateJwkThumbprint, decodeProtectedHeader, JWK } from 'jose';
import { Page } from 'playwright-core';
import { generateKeyPair, generateProof } from '../dpop/dpop-client';
import { buildClient, logIn, register, sleep, Stage, stage } from './harness';

/** The session's key as the page's IndexedDB holds it, and what WebCrypto lets the page do with it. */
interface StoredKey {
  kid: string;
  jwk: JWK;
  extractable: boolean;
  algorithm: unknown;
  usages: string[];
  /** The outcome of `exportKey('jwk', privateKey)` in the page: the error's name, or `'exported'`. */
  exported: string;
  keys: number;
}

/** Reads the client's key store (`nta-dpop`) in the page, for the key the stored session names. */
function storedKey(page: Page): Promise<StoredKey> {
  return page.evaluate(async () => {
    const ask = <T>(request: IDBRequest<T> | IDBOpenDBRequest) =>
      new Promise<T>((resolve, reject) => {
        request.onsuccess = () => resolve(request.result as T);
        request.onerror = () => reject(request.error);
      });
    const kid = JSON.parse(localStorage.getItem('nta') ?? '{}').kid as string;
    const db = await ask<IDBDatabase>(indexedDB.open('nta-dpop'));
    const store = db.transaction('keys').objectStore('keys');
    const record = await ask<{ privateKey: CryptoKey; jwk: JsonWebKey } | undefined>(store.get(kid));
    const keys = await ask<number>(store.count());
    db.close();
    if (!record) return { kid, keys } as StoredKey;
    const exported = await crypto.subtle.exportKey('jwk', record.privateKey).then(() => 'exported', (error: Error) => error.name);
    const { extractable, algorithm, usages } = record.privateKey;
    return { kid, jwk: record.jwk, extractable, algorithm, usages, exported, keys } as StoredKey;
  });
}

/** How many keys the page's key store holds. */
function keyCount(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('nta-dpop');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const count = open.result.transaction('keys').objectStore('keys').count();
          count.onsuccess = () => (open.result.close(), resolve(count.result));
        };
      }),
  );
}

const thumbprint = (jwk: JWK) => calculateJwkThumbprint(jwk);
/** Runs in the page: `n` concurrent `GET /me` through the client, their statuses. */
const fire = (n: number) => Promise.all(Array.from({ length: n }, async () => (await (window as any).client('/me')).status));

// Scenario: the sample page with DPOP=required (rotate) and DPOP=optional (extend) signs its requests with a key the page cannot export.
describe.each([
  ['rotate', 'required'],
  ['extend', 'optional'],
])('browser: DPoP from the sample page (%s mode, DPOP=%s)', (mode, dpop) => {
  let s: Stage;
  beforeAll(async () => {
    buildClient();
    s = await stage({ AUTH_MODE: mode, DPOP: dpop, ACCESS_TTL: mode === 'rotate' ? '8' : '3600', REUSE_GRACE: '1' });
  });
  afterAll(() => s?.close());

  /** The public keys of the DPoP proofs a page sends, in order. */
  const proofKeys = (page: Page) => {
    const keys: JWK[] = [];
    page.on('request', (request) => {
      const proof = request.headers()['dpop'];
      if (proof) keys.push(decodeProtectedHeader(proof).jwk as JWK);
    });
    return keys;
  };

  it('binds the login to a non-extractable key in IndexedDB, which a reload and a second tab go on using', async () => {
    await register(s.url, 'dana');
    const { context, page } = await s.open();
    const sent = proofKeys(page);
    await logIn(page, 'dana');
    expect(await page.textContent('#mode')).toContain('DPoP');
    const details = await page.evaluate(async () => (await (await (window as any).client('/auth/token')).json()).dpopBound);
    expect(details).toBe(true);

    const key = await storedKey(page);
    expect(key).toMatchObject({ extractable: false, algorithm: { name: 'ECDSA', namedCurve: 'P-256' }, usages: ['sign'], exported: 'InvalidAccessError', keys: 1 });
    expect(Object.keys(key.jwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    // The proofs the server accepted carry this key, and nothing of it but the public part is readable elsewhere.
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const jwk of sent) expect(await thumbprint(jwk)).toBe(await thumbprint(key.jwk));
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(key.jwk.x);

    await page.reload();
    await page.waitForSelector('#signed-in:not([hidden])');
    const before = sent.length;
    expect(await page.evaluate(async () => (await (window as any).client('/me')).status)).toBe(200);
    expect(await storedKey(page)).toMatchObject({ kid: key.kid, jwk: key.jwk, keys: 1 });
    expect(sent.length).toBeGreaterThan(before);
    for (const jwk of sent.slice(before)) expect(await thumbprint(jwk)).toBe(await thumbprint(key.jwk));

    const tab2 = await context.newPage();
    const sent2 = proofKeys(tab2);
    await tab2.goto(s.url);
    await tab2.waitForSelector('#signed-in:not([hidden])');
    expect(await tab2.evaluate(fire, 3)).toEqual([200, 200, 200]);
    expect(sent2.length).toBeGreaterThanOrEqual(3);
    for (const jwk of sent2) expect(await thumbprint(jwk)).toBe(await thumbprint(key.jwk));
    expect(await page.getAttribute('body', 'data-logout')).toBeNull();
    await context.close();
  });

  if (mode === 'rotate') {
    it('refreshes once for two tabs firing at an expired token, each refresh and retry proving the key', async () => {
      await register(s.url, 'ravi');
      const { context, page: tab1 } = await s.open('?ahead=0');
      await logIn(tab1, 'ravi');
      const tab2 = await context.newPage();
      await tab2.goto(`${s.url}/?ahead=0`);
      await tab2.waitForSelector('#signed-in:not([hidden])');
      const expiry = (await tab1.evaluate(() => (window as any).client.state().expiry)) as number;
      await sleep(expiry - Date.now() + 300);
      const refreshes = s.count('POST', '/auth/refresh');

      const [first, second] = await Promise.all([tab1.evaluate(fire, 5), tab2.evaluate(fire, 5)]);

      const log = s.seen.map((r) => `${r.method} ${r.path} ${r.status}`).join('\n');
      expect({ statuses: [...first, ...second], log }).toEqual({ statuses: Array(10).fill(200), log });
      expect({ refreshes: s.count('POST', '/auth/refresh') - refreshes, ok: s.count('POST', '/auth/refresh', 200) - refreshes, log }).toEqual({ refreshes: 1, ok: 1, log });
      expect(s.rows().filter((row) => row.revoked_at !== null)).toHaveLength(0);
      expect(await tab1.evaluate(async () => (await (await (window as any).client('/auth/token')).json()).dpopBound)).toBe(true);
      await context.close();
    });
  }

  it('refuses the token copied out of localStorage, as Bearer or with a proof by another key', async () => {
    await register(s.url, 'tess');
    const { context, page } = await s.open();
    await logIn(page, 'tess');
    const stolen = await page.evaluate(() => JSON.parse(localStorage.getItem('nta')!) as { access: string; refresh?: string });
    expect(stolen.access).toMatch(/^ntk_/);
    const me = `${s.url}/me`;
    const asBearer = await fetch(me, { headers: { authorization: `Bearer ${stolen.access}` } });
    expect({ status: asBearer.status, reason: (await asBearer.json()).reason }).toEqual({ status: 401, reason: 'dpop_bound' });
    const thief = await generateKeyPair('ES256');
    const withOtherKey = await fetch(me, { headers: { authorization: `DPoP ${stolen.access}`, dpop: await generateProof(thief, me, 'GET', undefined, stolen.access) } });
    expect({ status: withOtherKey.status, reason: (await withOtherKey.json()).reason }).toEqual({ status: 401, reason: 'key_mismatch' });
    if (stolen.refresh) {
      const refresh = await fetch(`${s.url}/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', dpop: await generateProof(thief, `${s.url}/auth/refresh`, 'POST') },
        body: JSON.stringify({ refreshToken: stolen.refresh }),
      });
      expect({ status: refresh.status, reason: (await refresh.json()).reason }).toEqual({ status: 400, reason: 'key_mismatch' });
    }
    // The page itself goes on: nothing was spent or revoked.
    expect(await page.evaluate(async () => (await (window as any).client('/me')).status)).toBe(200);
    expect(await page.getAttribute('body', 'data-logout')).toBeNull();
    await context.close();
  });

  it('drops the key at logout and makes a new one at the next login', async () => {
    await register(s.url, 'lars');
    const { context, page } = await s.open();
    await logIn(page, 'lars');
    const first = await storedKey(page);
    await page.click('#logout');
    await page.waitForSelector('#signed-out:not([hidden])');
    // The key is dropped as the session ends (the client does not wait for IndexedDB to say done).
    for (let tries = 0; (await keyCount(page)) > 0 && tries < 50; tries++) await sleep(20);
    expect(await keyCount(page)).toBe(0);
    await logIn(page, 'lars');
    const second = await storedKey(page);
    expect(second).toMatchObject({ extractable: false, keys: 1 });
    expect(second.kid).not.toBe(first.kid);
    expect(await thumbprint(second.jwk)).not.toBe(await thumbprint(first.jwk));
    expect(await page.evaluate(async () => (await (window as any).client('/me')).status)).toBe(200);
    await context.close();
  });
});
