import { createTokenClient } from 'nest-token-auth/client';
import { PASSWORD, USERNAME } from './users.service.js';

/** What one step of the flow checks; `ok` false carries what came back instead. */
export interface Step {
  name: string;
  ok: boolean;
  detail: string;
}

async function call(base: string, method: string, path: string, options: { token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(base + path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> | null };
}

/** A user's round trip over HTTP: log in, call the guarded route, refresh (rotate mode), use the new pair. */
export async function userFlow(base: string): Promise<Step[]> {
  const steps: Step[] = [];
  const step = (name: string, ok: boolean, got: unknown) => steps.push({ name, ok, detail: ok ? '' : JSON.stringify(got) });

  const anonymous = await call(base, 'GET', '/me');
  step('GET /me without a token is 401', anonymous.status === 401, anonymous);
  const login = await call(base, 'POST', '/auth/login', { body: { username: USERNAME, password: PASSWORD } });
  const token = login.body?.token;
  const refreshToken = login.body?.refreshToken;
  step('POST /auth/login is 200 with an access and a refresh token', login.status === 200 && typeof token === 'string' && typeof refreshToken === 'string', login);
  const me = await call(base, 'GET', '/me', { token: String(token) });
  step('GET /me with the access token is 200 and returns the user', me.status === 200 && me.body?.username === USERNAME, me);
  const refreshed = await call(base, 'POST', '/auth/refresh', { body: { refreshToken } });
  const next = refreshed.body?.token;
  step('POST /auth/refresh is 200 with a new pair', refreshed.status === 200 && typeof next === 'string' && next !== token && refreshed.body?.refreshToken !== refreshToken, refreshed);
  const again = await call(base, 'GET', '/me', { token: String(next) });
  step('GET /me with the new access token is 200', again.status === 200 && again.body?.username === USERNAME, again);
  const logout = await call(base, 'POST', '/auth/logout', { token: String(next) });
  const after = await call(base, 'GET', '/me', { token: String(next) });
  step('POST /auth/logout is 204, then the token is refused with 401', logout.status === 204 && after.status === 401, { logout, after });

  // The browser client, imported through its subpath export, works in Node as well.
  const logouts: string[] = [];
  const api = createTokenClient({ baseUrl: base, mode: 'rotate', storage: 'memory', onLogout: (reason) => logouts.push(reason) });
  try {
    await api.login(USERNAME, PASSWORD);
    const viaClient = await api('/me');
    const refreshedViaClient = await api.refresh();
    const afterRefresh = await api('/me');
    await api.logout();
    step(
      'nest-token-auth/client logs in, calls /me, refreshes and logs out',
      viaClient.status === 200 && refreshedViaClient && afterRefresh.status === 200 && !api.state().loggedIn,
      { me: viaClient.status, refreshed: refreshedViaClient, again: afterRefresh.status, state: api.state(), logouts },
    );
  } finally {
    api.close();
  }

  // DPoP: the client binds the login to a P-256 key and signs a proof per request; the server checks them on its worker.
  const bound = createTokenClient({ baseUrl: base, mode: 'rotate', storage: 'memory', dpop: true });
  try {
    await bound.login(USERNAME, PASSWORD);
    const viaDpop = await bound('/me');
    const refreshedViaDpop = await bound.refresh();
    const afterDpopRefresh = await bound('/me');
    const token = bound.state().loggedIn ? await bound('/auth/token').then((r) => r.json() as Promise<Record<string, unknown>>) : null;
    await bound.logout();
    step(
      'DPoP: a bound login, /me with proofs, a refresh proving the key, and logout',
      viaDpop.status === 200 && refreshedViaDpop && afterDpopRefresh.status === 200 && token?.dpopBound === true && !bound.state().loggedIn,
      { me: viaDpop.status, refreshed: refreshedViaDpop, again: afterDpopRefresh.status, token, state: bound.state() },
    );
  } finally {
    bound.close();
  }
  return steps;
}
