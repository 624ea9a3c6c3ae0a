import { CSRF_HEADER, ErrorBody, EXPIRY_HEADER, ExpiryResponse, LoginResponse, ROUTE_PREFIX, SessionView, TokenResponse } from '../lib/wire';
import { dpopFetch, wantsNonce } from './dpop-fetch';
import { createDpopKeys } from './dpop-key';
import { SessionState, storageOf } from './session-store';
import { LogoutReason, RefreshEvent, TokenClient, TokenClientOptions } from './token-client.types';
import { markSpent, withTabLock } from './tab-lock';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const time = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);
const unref = (timer: any) => timer?.unref?.();

/** Creates the client; see `TokenClient`. */
export function createTokenClient(options: TokenClientOptions): TokenClient {
  const { mode, cookies = false, onLogout, onRefresh, ahead } = options;
  const base = options.baseUrl.replace(/\/$/, '');
  const auth = `/${options.prefix ?? ROUTE_PREFIX}`;
  const key = options.key ?? 'nta';
  const csrf = options.csrfHeader ?? CSRF_HEADER;
  const storage = storageOf(options.storage);
  if (options.dpop && cookies && mode === 'extend') throw new Error('dpop with cookies needs mode "rotate": an extend-mode cookie carries the token, which DPoP must send as "Authorization: DPoP"');
  const keys = options.dpop ? createDpopKeys(key) : null;
  // The key of a login under way, before its session is stored.
  let pending: string | undefined;
  const raw = options.fetch ?? ((input: Request) => fetch(input));
  const http = keys ? dpopFetch(raw, keys, () => pending ?? load().kid) : raw;
  const g = globalThis as any;
  const shared = storage === g.localStorage;
  const dom = typeof g.document === 'object';
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(key) : null;
  // Cookie mode, rotate: the short-lived access token lives in this closure only.
  let memory: string | undefined;
  let flight: Promise<boolean> | null = null;
  let timer: any;
  let active = 0;
  let blockedUntil = 0;
  // Whether this tab held a session: another tab may already have cleared the shared storage.
  let held = false;

  const load = (): SessionState => JSON.parse(storage.getItem(key) ?? 'null') ?? { expiry: null, issued: 0, life: 0 };
  const token = () => (cookies ? memory : load().access);
  const loggedIn = () => (cookies ? memory !== undefined || load().issued > 0 : load().access !== undefined);
  const save = (state: SessionState) => {
    storage.setItem(key, JSON.stringify(state));
    plan();
  };
  const markActive = () => (active = Date.now());

  function issued(body: TokenResponse, user: unknown, kid = load().kid): void {
    const expiry = time(body.expiry);
    const now = Date.now();
    memory = cookies ? body.token ?? memory : undefined;
    const state: SessionState = { expiry, issued: now, life: expiry === null ? 0 : expiry - now, user, kid };
    if (!cookies) Object.assign(state, { access: body.token, refresh: body.refreshToken ?? load().refresh });
    held = true;
    save(state);
  }

  function end(reason: LogoutReason, fromTab = false): void {
    if (!held && !loggedIn()) return;
    held = false;
    memory = undefined;
    const { kid } = load();
    if (kid) void keys?.drop(kid);
    storage.removeItem(key);
    clearTimeout(timer);
    if (!fromTab) channel?.postMessage(reason);
    onLogout?.(reason);
  }

  /** Sends `request` with the credentials of the mode; reads the expiry header. */
  async function send(request: Request, bearer: string | undefined): Promise<Response> {
    const headers = new Headers(request.headers);
    if (bearer && !headers.has('authorization')) headers.set('authorization', `${keys ? 'DPoP' : 'Bearer'} ${bearer}`);
    if (cookies) headers.set(csrf, '1');
    const response = await http(new Request(request, { headers, credentials: cookies ? 'include' : request.credentials }));
    const expiry = time(response.headers.get(options.expiryHeader ?? EXPIRY_HEADER));
    const state = load();
    if (expiry !== null && expiry !== state.expiry && bearer === token() && loggedIn()) save({ ...state, expiry, issued: mode === 'extend' ? Date.now() : state.issued });
    return response;
  }

  async function call(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    if (!dom) markActive();
    const request = new Request(typeof input === 'string' && !/^[a-z]+:/i.test(input) ? base + input : input, init);
    if (flight) await flight;
    const state = load();
    // A token known to be dead (or, in cookie mode after a reload, not held) is refreshed before use, not after a 401.
    if (mode === 'rotate' && loggedIn() && (!token() || (state.expiry !== null && state.expiry <= Date.now()))) await refresh(token(), 'expired');
    for (let retried = false; ; retried = true) {
      const used = token();
      const response = await send(request.clone(), used);
      // A nonce still refused after the transparent retry says nothing of the session.
      if (response.status !== 401 || !loggedIn() || (await wantsNonce(response))) return response;
      const body = (await response.clone().json().catch(() => ({}))) as Partial<ErrorBody>;
      if (retried) return end(body.reason ?? body.error ?? 'unauthorized'), response;
      // Another request (or tab) renewed the token while this one was on its way: retry with the new one.
      if (used !== token()) continue;
      if (mode === 'rotate' && (body.reason === 'expired' || !used)) {
        if (await refresh(used, 'expired')) continue;
        return response;
      }
      end(body.reason ?? body.error ?? 'unauthorized');
      return response;
    }
  }

  /** Single flight within the tab (one promise) and across tabs (the lock, then a look at what another tab did). */
  function refresh(used: string | undefined, cause: RefreshEvent['cause']): Promise<boolean> {
    flight ??= withTabLock(`${key}:refresh`, storage, shared, async () => {
      let state = load();
      if (!loggedIn()) return false;
      if (!cookies && state.access !== used) return true;
      // Another tab may have spent this refresh token a moment ago while its write to shared storage
      // has not reached this tab yet (Chromium propagates localStorage between tabs asynchronously).
      const mark = !cookies && shared && state.refresh ? await markSpent(`${key}:spent:${state.refresh.slice(-16)}`) : undefined;
      if (mark === null) {
        for (let waited = 0; load().access === used && waited < 5000; waited += 20) await sleep(20);
        state = load();
        return state.access !== used && loggedIn();
      }
      for (let tries = 0; ; tries++) {
        const wait = blockedUntil - Date.now();
        if (wait > 0) await sleep(wait);
        let response: Response;
        try {
          response = await http(post('refresh', cookies ? {} : { refreshToken: state.refresh }));
        } catch {
          mark?.();
          return false;
        }
        if (response.status === 429) {
          blockedUntil = Date.now() + 1000 * Number(response.headers.get('retry-after') ?? 1);
          if (tries < 2) continue;
        }
        const body = (await response.json().catch(() => ({}))) as TokenResponse & Partial<ErrorBody>;
        if (response.ok) issued(body, state.user);
        onRefresh?.({ kind: 'refresh', status: response.status, expiry: time(body.expiry), reason: body.reason, cause });
        // 400 invalid_grant (reused, revoked, expired...) and 401 end the session; an outage (5xx) does not.
        if ((response.status === 400 || response.status === 401) && body.error !== 'use_dpop_nonce') end(body.reason ?? body.error ?? 'unknown');
        // Not spent after all (an outage): the next attempt, in any tab, may spend it.
        if (!response.ok) mark?.();
        return response.ok;
      }
    }).finally(() => (flight = null));
    return flight;
  }

  async function extend(cause: RefreshEvent['cause']): Promise<boolean> {
    const response = await call(`${auth}/extend`, { method: 'POST' });
    const body = (await response.json().catch(() => ({}))) as ExpiryResponse & Partial<ErrorBody>;
    if (response.ok) save({ ...load(), expiry: time(body.expiry), issued: Date.now() });
    onRefresh?.({ kind: 'extend', status: response.status, expiry: time(body.expiry), reason: body.reason, cause });
    return response.ok;
  }

  /** Schedules the next look at the expiry: renew ahead of it if the user was active since the last issue. */
  function plan(): void {
    clearTimeout(timer);
    const { expiry, life } = load();
    if (ahead === false || expiry === null || !loggedIn()) return;
    const lead = ahead ?? life / 4;
    timer = setTimeout(async () => {
      const state = load();
      // Timers cap at 2^31 ms (24.8 days); a far expiry is looked at again later.
      if (state.expiry !== null && state.expiry - lead > Date.now()) return plan();
      if (state.expiry !== null && state.expiry > Date.now() && active > state.issued && blockedUntil < Date.now()) {
        if (mode === 'rotate') await refresh(token(), 'ahead');
        else await extend('ahead');
      }
      // Idle so far: look again shortly, until the token expires.
      if (load().expiry === expiry && expiry > Date.now()) unref((timer = setTimeout(plan, Math.max(lead / 4, 250))));
    }, Math.min(Math.max(expiry - lead - Date.now(), 0), 2 ** 31 - 1));
    unref(timer);
  }

  function post(route: string, body?: object): Request {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (cookies) headers[csrf] = '1';
    return new Request(`${base}${auth}/${route}`, { method: 'POST', headers, body: JSON.stringify(body ?? {}), credentials: cookies ? 'include' : 'same-origin' });
  }

  async function json<T>(response: Response): Promise<T> {
    const body = (await response.json().catch(() => ({}))) as T & Partial<ErrorBody>;
    if (response.ok) return body;
    throw Object.assign(new Error(body.message ?? `HTTP ${response.status}`), { status: response.status, body });
  }

  async function quit(route: string): Promise<void> {
    await call(`${auth}/${route}`, { method: 'POST' }).catch(() => undefined);
    end('logout');
  }

  const events = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'];
  if (dom) for (const type of events) g.addEventListener(type, markActive, { passive: true });
  if (channel) channel.onmessage = (event) => end(event.data, true);
  unref(channel);
  held = loggedIn();
  plan();

  return Object.assign(call, {
    async login<User>(username: string, password: string, extra = {}) {
      // A new key for every login: a key of an earlier session is worth nothing to whoever took it.
      const old = load().kid;
      const kid = (pending = await keys?.create());
      try {
        const body = await json<LoginResponse<User>>(await http(post('login', { username, password, ...extra })));
        issued(body, body.user, kid);
        if (old && old !== kid) void keys?.drop(old);
        markActive();
        return { user: body.user, expiry: time(body.expiry), scope: body.scope };
      } catch (error) {
        if (kid) void keys?.drop(kid);
        throw error;
      } finally {
        pending = undefined;
      }
    },
    logout: () => quit('logout'),
    logoutOthers: async () => void (await json(await call(`${auth}/logout-others`, { method: 'POST' }))),
    sessions: async () => json<SessionView[]>(await call(`${auth}/tokens`)),
    revoke: async (id: string) => void (await json(await call(`${auth}/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' }))),
    refresh: () => refresh(token(), 'manual'),
    extend: () => extend('manual'),
    state: () => {
      const { user, expiry } = load();
      return { loggedIn: loggedIn(), user, expiry };
    },
    close() {
      clearTimeout(timer);
      channel?.close();
      if (dom) for (const type of events) g.removeEventListener(type, markActive);
    },
  }) as TokenClient;
}
