'use strict';
// Smoke e2e over real HTTP against a running sample app: `node smoke.js <baseUrl> <extend|rotate>`.
// Plain Node (global fetch), no test framework: it must run next to Nest 12, which Jest cannot load.
// The rotate checks assume REUSE_GRACE=1 (seconds); run.sh starts the app with it.

const [base, mode] = process.argv.slice(2);
if (!base || (mode !== 'extend' && mode !== 'rotate')) {
  console.error('usage: node smoke.js <baseUrl> <extend|rotate>');
  process.exit(2);
}
const GRACE_WAIT_MS = 1500;
// Above the sample app's default LOGIN_LIMIT (10); run.sh sets 5 to keep this short.
const MAX_LOGIN_ATTEMPTS = 12;

let passed = 0;
let failed = 0;

/** One named check: prints `ok`/`FAIL` and keeps going, so a run shows every broken contract at once. */
async function check(name, fn) {
  try {
    await fn();
    passed += 1;
    console.log(`ok   [${mode}] ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL [${mode}] ${name}: ${error && error.message ? error.message : error}`);
  }
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

function expectStatus(response, status) {
  expect(response.status === status, `expected HTTP ${status}, got ${response.status} ${JSON.stringify(response.body)}`);
}

async function call(method, path, { token, body } = {}) {
  const headers = { 'user-agent': 'nest12-smoke' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const username = `smoke-${mode}-${process.pid}`;
  const password = 'correct horse battery';
  let login;

  await check('GET /health 200', async () => {
    expectStatus(await call('GET', '/health'), 200);
  });

  await check('POST /users registers a user (201)', async () => {
    const res = await call('POST', '/users', { body: { username, password } });
    expectStatus(res, 201);
    expect(res.body.username === username && typeof res.body.id === 'number', `unexpected body ${JSON.stringify(res.body)}`);
  });

  await check('POST /auth/login with a wrong password 401 invalid_credentials', async () => {
    const res = await call('POST', '/auth/login', { body: { username, password: 'wrong password!' } });
    expectStatus(res, 401);
    expect(res.body.error === 'invalid_credentials', `error was ${res.body.error}`);
  });

  await check('POST /auth/login 200 with a token (and a refresh token in rotate mode)', async () => {
    const res = await call('POST', '/auth/login', { body: { username, password, name: 'smoke' } });
    expectStatus(res, 200);
    expect(typeof res.body.token === 'string' && res.body.token.length > 20, 'no token in the body');
    expect(res.headers.get('cache-control') === 'no-store', `Cache-Control was ${res.headers.get('cache-control')}`);
    if (mode === 'rotate') expect(typeof res.body.refreshToken === 'string', 'no refreshToken in rotate mode');
    else expect(res.body.refreshToken === undefined, 'refreshToken present in extend mode');
    login = res.body;
  });
  if (!login) return; // Everything below needs a token.

  await check('GET /me 200 with the token', async () => {
    const res = await call('GET', '/me', { token: login.token });
    expectStatus(res, 200);
    expect(res.body.username === username, `username was ${res.body.username}`);
  });

  await check('GET /me 401 without a token, with a Bearer WWW-Authenticate challenge', async () => {
    const res = await call('GET', '/me');
    expectStatus(res, 401);
    const challenge = res.headers.get('www-authenticate') || '';
    expect(/^Bearer realm="/.test(challenge), `WWW-Authenticate was "${challenge}"`);
  });

  await check('GET /me 401 invalid_token with a made-up token', async () => {
    const res = await call('GET', '/me', { token: 'not-a-real-token' });
    expectStatus(res, 401);
    expect(res.body.error === 'invalid_token', `error was ${res.body.error}`);
    expect(/error="invalid_token"/.test(res.headers.get('www-authenticate') || ''), 'challenge lacks error="invalid_token"');
  });

  let sessionId;
  await check('GET /auth/token 200 with the token details', async () => {
    const res = await call('GET', '/auth/token', { token: login.token });
    expectStatus(res, 200);
    expect(res.body.kind === 'access' && res.body.name === 'smoke' && typeof res.body.id === 'string', `unexpected body ${JSON.stringify(res.body)}`);
    sessionId = res.body.id;
  });

  await check('GET /auth/tokens lists the current session', async () => {
    const res = await call('GET', '/auth/tokens', { token: login.token });
    expectStatus(res, 200);
    expect(Array.isArray(res.body) && res.body.length === 1, `expected one session, got ${JSON.stringify(res.body)}`);
    expect(res.body[0].id === sessionId && res.body[0].current === true, `unexpected session ${JSON.stringify(res.body[0])}`);
    expect(res.body[0].userAgent === 'nest12-smoke', `userAgent was ${res.body[0].userAgent}`);
  });

  if (mode === 'extend') {
    await check('POST /auth/extend 200 with an expiry', async () => {
      const res = await call('POST', '/auth/extend', { token: login.token });
      expectStatus(res, 200);
      expect(typeof res.body.expiry === 'string' && !Number.isNaN(Date.parse(res.body.expiry)), `expiry was ${res.body.expiry}`);
    });
    await check('POST /auth/refresh 404 in extend mode', async () => {
      expectStatus(await call('POST', '/auth/refresh', { body: { refreshToken: 'x' } }), 404);
    });
  } else {
    let next;
    await check('POST /auth/refresh 200 returns a new pair that works', async () => {
      const res = await call('POST', '/auth/refresh', { body: { refreshToken: login.refreshToken } });
      expectStatus(res, 200);
      expect(res.body.token && res.body.token !== login.token, 'access token not renewed');
      expect(res.body.refreshToken && res.body.refreshToken !== login.refreshToken, 'refresh token not renewed');
      expectStatus(await call('GET', '/me', { token: res.body.token }), 200);
      next = res.body;
    });
    await check('replay inside the grace window returns the same pair', async () => {
      const res = await call('POST', '/auth/refresh', { body: { refreshToken: login.refreshToken } });
      expectStatus(res, 200);
      expect(next && res.body.token === next.token && res.body.refreshToken === next.refreshToken, 'a different pair came back');
    });
    await check('replay after the grace window 400 invalid_grant (reused) and revokes the session', async () => {
      await sleep(GRACE_WAIT_MS);
      const res = await call('POST', '/auth/refresh', { body: { refreshToken: login.refreshToken } });
      expectStatus(res, 400);
      expect(res.body.error === 'invalid_grant' && res.body.reason === 'reused', `body was ${JSON.stringify(res.body)}`);
      const me = await call('GET', '/me', { token: next && next.token });
      expectStatus(me, 401);
    });
    await check('POST /auth/extend 404 in rotate mode', async () => {
      expectStatus(await call('POST', '/auth/extend', { token: login.token }), 404);
    });
    // The session above is revoked; log in again for the logout check.
    const again = await call('POST', '/auth/login', { body: { username, password } });
    login = again.body;
  }

  await check('POST /auth/logout 204, then the token gets 401', async () => {
    const res = await call('POST', '/auth/logout', { token: login.token });
    expectStatus(res, 204);
    const me = await call('GET', '/me', { token: login.token });
    expectStatus(me, 401);
    expect(me.body.error === 'invalid_token', `error was ${me.body.error}`);
  });

  // Last: it spends the login budget of this client for the rest of the window.
  await check('POST /auth/login is rate limited: 429 with Retry-After (@nestjs/throttler)', async () => {
    let res;
    for (let attempt = 0; attempt < MAX_LOGIN_ATTEMPTS; attempt += 1) {
      res = await call('POST', '/auth/login', { body: { username, password: 'wrong password!' } });
      if (res.status !== 401) break;
    }
    expectStatus(res, 429);
    expect(/^\d+$/.test(res.headers.get('retry-after') || ''), `Retry-After was ${res.headers.get('retry-after')}`);
  });
}

main()
  .catch((error) => {
    failed += 1;
    console.log(`FAIL [${mode}] smoke aborted: ${error && error.stack ? error.stack : error}`);
  })
  .finally(() => {
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
  });
