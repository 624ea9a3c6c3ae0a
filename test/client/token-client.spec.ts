import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createTokenClient, LogoutReason } from '../../client';

/**
 * A fake auth server with the wire contract of the real one (401 `invalid_token` + reason, 400
 * `invalid_grant`, 429 + Retry-After, X-Token-Expiry) and switches for each answer, for the
 * client's state machine. The browser tests run the real server.
 */
class FakeServer {
  seen: { method: string; path: string; headers: IncomingMessage['headers']; at: number }[] = [];
  access = 'at-1';
  refresh = 'rt-1';
  expired = false;
  revoked = false;
  refreshAnswer: 'ok' | 'reused' | '429-once' = 'ok';
  expiryHeader: string | null = null;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  count(method: string, path: string): number {
    return this.seen.filter((s) => s.method === method && s.path === path).length;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    const body = raw ? JSON.parse(raw) : {};
    const path = request.url ?? '';
    this.seen.push({ method: request.method ?? '', path, headers: request.headers, at: Date.now() });
    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(payload === undefined ? '' : JSON.stringify(payload));
    };
    const expiry = new Date(Date.now() + 60_000).toISOString();
    if (path === '/auth/login') return send(200, { token: this.access, expiry, refreshToken: this.refresh, refreshExpiry: expiry, user: { id: 1 } });
    if (path === '/auth/refresh') {
      if (this.refreshAnswer === '429-once') {
        this.refreshAnswer = 'ok';
        return send(429, { statusCode: 429, error: 'rate_limited', retryAfter: 1 }, { 'retry-after': '1' });
      }
      if (this.refreshAnswer === 'reused' || body.refreshToken !== this.refresh) return send(400, { statusCode: 400, error: 'invalid_grant', reason: 'reused' });
      // Let concurrent requests pile up behind the refresh.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const n = Number(this.refresh.slice(3)) + 1;
      [this.access, this.refresh, this.expired] = [`at-${n}`, `rt-${n}`, false];
      return send(200, { token: this.access, expiry, refreshToken: this.refresh, refreshExpiry: expiry });
    }
    const bearer = request.headers.authorization?.slice('Bearer '.length);
    const cookie = request.headers.cookie;
    if (!bearer && !cookie) return send(401, { statusCode: 401, error: 'unauthorized' });
    if (this.revoked) return send(401, { statusCode: 401, error: 'invalid_token', reason: 'revoked' });
    if (bearer && (bearer !== this.access || this.expired)) return send(401, { statusCode: 401, error: 'invalid_token', reason: 'expired' });
    send(200, { ok: true }, this.expiryHeader ? { 'x-token-expiry': this.expiryHeader } : {});
  }
}

describe('createTokenClient (Node, fake server)', () => {
  let server: FakeServer;
  let logouts: LogoutReason[];
  const client = (extra: Partial<Parameters<typeof createTokenClient>[0]> = {}) =>
    createTokenClient({ baseUrl: server.url, mode: 'rotate', storage: 'memory', key: `k${Math.random()}`, onLogout: (reason) => logouts.push(reason), ...extra });

  beforeEach(async () => {
    server = new FakeServer();
    await server.start();
    logouts = [];
  });
  afterEach(() => server.stop());

  it('attaches the token, and on 401 expired refreshes once for ten concurrent requests and retries each', async () => {
    const api = client();
    await api.login('u', 'p');
    server.expired = true;
    const statuses = await Promise.all(Array.from({ length: 10 }, async () => (await api('/me')).status));
    expect(statuses).toEqual(Array(10).fill(200));
    expect(server.count('POST', '/auth/refresh')).toBe(1);
    expect(server.count('GET', '/me')).toBe(20);
    // Ten first tries with the expired token, ten retries with the new one (their order on the wire may interleave under load).
    const used = server.seen.filter((s) => s.path === '/me').map((s) => s.headers.authorization);
    expect(used.filter((a) => a === 'Bearer at-1')).toHaveLength(10);
    expect(used.filter((a) => a === 'Bearer at-2')).toHaveLength(10);
    expect(logouts).toEqual([]);
    api.close();
  });

  it('ends the session on invalid_grant (reuse) and calls onLogout once with the reason', async () => {
    const api = client();
    await api.login('u', 'p');
    server.expired = true;
    server.refreshAnswer = 'reused';
    const statuses = await Promise.all([api('/me'), api('/me'), api('/me')].map(async (r) => (await r).status));
    expect(statuses).toEqual([401, 401, 401]);
    expect(server.count('POST', '/auth/refresh')).toBe(1);
    expect(logouts).toEqual(['reused']);
    expect(api.state()).toMatchObject({ loggedIn: false });
    api.close();
  });

  it('ends the session on any other 401 reason without refreshing', async () => {
    const api = client();
    await api.login('u', 'p');
    server.revoked = true;
    expect((await api('/me')).status).toBe(401);
    expect(server.count('POST', '/auth/refresh')).toBe(0);
    expect(logouts).toEqual(['revoked']);
    // Logged out: the next request goes out bare and its 401 is just returned.
    expect((await api('/me')).status).toBe(401);
    expect(server.seen[server.seen.length - 1].headers.authorization).toBeUndefined();
    expect(logouts).toEqual(['revoked']);
    api.close();
  });

  it('waits for Retry-After when the refresh is rate limited, then retries', async () => {
    const api = client();
    await api.login('u', 'p');
    server.expired = true;
    server.refreshAnswer = '429-once';
    expect((await api('/me')).status).toBe(200);
    const refreshes = server.seen.filter((s) => s.path === '/auth/refresh');
    expect(refreshes).toHaveLength(2);
    expect(refreshes[1].at - refreshes[0].at).toBeGreaterThanOrEqual(950);
    api.close();
  });

  it('learns the expiry from X-Token-Expiry', async () => {
    const api = client({ mode: 'extend' });
    await api.login('u', 'p');
    server.expiryHeader = '2031-01-01T00:00:00.000Z';
    await api('/me');
    expect(api.state().expiry).toBe(Date.parse('2031-01-01T00:00:00.000Z'));
    api.close();
  });

  it('in cookie mode sends the CSRF header, keeps no token in storage, and holds the access token in memory only', async () => {
    const stored = new Map<string, string>();
    const storage = { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => void stored.set(k, v), removeItem: (k: string) => void stored.delete(k) };
    const api = client({ cookies: true, storage });
    await api.login('u', 'p');
    await api('/me', { method: 'POST' });
    expect([...stored.values()].join()).not.toMatch(/at-|rt-/);
    const calls = server.seen;
    expect(calls.every((s) => s.headers['x-requested-with'] === '1')).toBe(true);
    expect(calls[1].headers.authorization).toBe('Bearer at-1');
    // The refresh sends no token in the body: the cookie carries it.
    server.expired = true;
    server.refreshAnswer = 'reused';
    await api('/me');
    expect(logouts).toEqual(['reused']);
    api.close();
  });
});
