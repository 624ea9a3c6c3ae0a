import { selectedDatabases } from '../support/databases';
import { bearer, createTestApp, TestApp } from '../support/test-app';

const TTL = 600;
const MAX_LIFETIME = 1800;

describe.each(selectedDatabases())('extend mode (sliding expiry) on %s', (database) => {
  let t: TestApp;
  const tokenRow = (token: string) =>
    t.dataSource.query(`SELECT expires_at, last_used_at FROM auth_tokens WHERE key_id = '${token.slice(7, 19)}'`).then((rows) => ({
      expiresAt: Number(rows[0].expires_at),
      lastUsedAt: rows[0].last_used_at === null ? null : Number(rows[0].last_used_at),
    }));
  const me = (token: string) => t.http().get('/me').set('Authorization', bearer(token));

  beforeAll(async () => {
    t = await createTestApp({ database, mode: 'extend', options: { ttl: TTL, minRefreshInterval: 60, maxLifetime: MAX_LIFETIME } });
    await t.register('carol');
  });
  afterAll(() => t.close());

  it('moves the expiry to now + ttl on use and reports it in X-Token-Expiry', async () => {
    const { token, expiry } = await t.login('carol');
    expect(Date.parse(expiry!)).toBe(t.clock.now() + TTL * 1000);
    t.clock.advance(120);
    const response = await me(token);
    expect(response.status).toBe(200);
    expect(response.headers['x-token-expiry']).toBe(new Date(t.clock.now() + TTL * 1000).toISOString());
    expect((await tokenRow(token)).expiresAt).toBe(t.clock.now() + TTL * 1000);
  });

  it('skips the write while the expiry would move by less than minRefreshInterval', async () => {
    const { token } = await t.login('carol');
    await me(token);
    const before = await tokenRow(token);
    t.clock.advance(30);
    const response = await me(token);
    expect(response.status).toBe(200);
    expect(response.headers['x-token-expiry']).toBe(new Date(before.expiresAt).toISOString());
    expect(await tokenRow(token)).toEqual(before);
    t.clock.advance(31);
    await me(token);
    expect((await tokenRow(token)).expiresAt).toBe(t.clock.now() + TTL * 1000);
  });

  it('never extends past maxLifetime, then refuses the token as expired', async () => {
    const { token } = await t.login('carol');
    const loginAt = t.clock.now();
    for (let i = 0; i < 3; i++) {
      t.clock.advance(500);
      expect((await me(token)).status).toBe(200);
    }
    expect((await tokenRow(token)).expiresAt).toBe(loginAt + MAX_LIFETIME * 1000);
    t.clock.ms = loginAt + MAX_LIFETIME * 1000;
    const refused = await me(token);
    expect(refused.status).toBe(401);
    expect(refused.body.reason).toBe('expired');
  });

  it('never revives an expired token, not even through POST /auth/extend', async () => {
    const { token } = await t.login('carol');
    t.clock.advance(TTL + 1);
    expect((await me(token)).body.reason).toBe('expired');
    const extend = await t.http().post('/auth/extend').set('Authorization', bearer(token));
    expect(extend.status).toBe(401);
    expect(extend.body.reason).toBe('expired');
    t.clock.advance(-2);
    // Still expired in storage: the refused requests wrote nothing.
    expect((await tokenRow(token)).expiresAt).toBeLessThan(t.clock.now() + 2000);
  });

  it('POST /auth/extend moves the expiry on demand and returns it', async () => {
    const { token } = await t.login('carol');
    t.clock.advance(10);
    const response = await t.http().post('/auth/extend').set('Authorization', bearer(token));
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const expected = new Date(t.clock.now() + TTL * 1000).toISOString();
    expect(response.body).toEqual({ expiry: expected });
    expect(response.headers['x-token-expiry']).toBe(expected);
    expect((await t.http().get('/auth/token').set('Authorization', bearer(token))).body.expiry).toBe(expected);
  });

  it('keeps last-used writes throttled to one per minRefreshInterval', async () => {
    const { token } = await t.login('carol');
    await me(token);
    const first = (await tokenRow(token)).lastUsedAt;
    expect(first).toBe(t.clock.now());
    for (let i = 0; i < 5; i++) {
      t.clock.advance(10);
      await me(token);
    }
    expect((await tokenRow(token)).lastUsedAt).toBe(first);
  });

  it('leaves expired rows alone on requests (no per-request scan of the user\'s tokens)', async () => {
    for (let i = 0; i < 5; i++) await t.login('carol');
    t.clock.advance(MAX_LIFETIME + 1);
    const { token } = await t.login('carol');
    const count = async () => Number((await t.dataSource.query('SELECT COUNT(*) AS n FROM auth_tokens'))[0].n);
    const before = await count();
    expect((await me(token)).status).toBe(200);
    expect(await count()).toBe(before);
  });
});

describe.each(selectedDatabases())('extend mode options on %s', (database) => {
  it('issues tokens without expiry when ttl is null', async () => {
    const t = await createTestApp({ database, mode: 'extend', options: { ttl: null } });
    try {
      await t.register('dave');
      const login = await t.login('dave');
      expect(login.expiry).toBeNull();
      t.clock.advance(10 * 365 * 86400);
      const response = await t.http().get('/me').set('Authorization', bearer(login.token));
      expect(response.status).toBe(200);
      expect(response.headers['x-token-expiry']).toBeUndefined();
      expect((await t.http().get('/auth/token').set('Authorization', bearer(login.token))).body.expiry).toBeNull();
    } finally {
      await t.close();
    }
  });

  it('works with a custom token prefix, and refuses tokens of the default prefix', async () => {
    const t = await createTestApp({ database, mode: 'extend', options: { tokenPrefix: 'acme' } });
    try {
      await t.register('erin');
      const { token } = await t.login('erin');
      expect(token).toMatch(/^acme_at_[0-9A-Za-z]{50}$/);
      expect((await t.http().get('/me').set('Authorization', bearer(token))).status).toBe(200);
      const other = 'ntk' + token.slice(4);
      expect((await t.http().get('/me').set('Authorization', bearer(other))).body.reason).toBe('malformed');
    } finally {
      await t.close();
    }
  });
});
