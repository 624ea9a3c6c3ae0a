import { TokenAuthEvent } from '../../lib';
import { selectedDatabases } from '../support/databases';
import { bearer, createTestApp, LoginBody, TestApp } from '../support/test-app';

const ACCESS_TTL = 900;
const REFRESH_TTL = 3600;
const MAX_LIFETIME = 4 * 3600;
const GRACE = 10;

describe.each(selectedDatabases())('rotate mode on %s', (database) => {
  let t: TestApp;
  const events: TokenAuthEvent[] = [];
  const refresh = (refreshToken: unknown) => t.http().post('/auth/refresh').send({ refreshToken });
  const me = (token: string) => t.http().get('/me').set('Authorization', bearer(token));

  beforeAll(async () => {
    t = await createTestApp({
      database,
      mode: 'rotate',
      options: { ttl: ACCESS_TTL, refreshTtl: REFRESH_TTL, maxLifetime: MAX_LIFETIME, reuseGrace: GRACE, onEvent: (e) => events.push(e) },
    });
    await t.register('frank');
  });
  afterAll(() => t.close());

  it('refresh returns a new working pair and needs no bearer token', async () => {
    const login = await t.login('frank');
    t.clock.advance(ACCESS_TTL + 5);
    expect((await me(login.token)).body.reason).toBe('expired');
    const response = await refresh(login.refreshToken);
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(Object.keys(response.body).sort()).toEqual(['expiry', 'refreshExpiry', 'refreshToken', 'token']);
    expect(response.body.token).not.toBe(login.token);
    expect(response.body.refreshToken).not.toBe(login.refreshToken);
    expect(response.body.expiry).toBe(new Date(t.clock.now() + ACCESS_TTL * 1000).toISOString());
    expect(response.body.refreshExpiry).toBe(new Date(t.clock.now() + REFRESH_TTL * 1000).toISOString());
    expect((await me(response.body.token)).status).toBe(200);
  });

  it('keeps the session id across rotations', async () => {
    const login = await t.login('frank');
    const next = (await refresh(login.refreshToken)).body;
    const id = async (token: string) => (await t.http().get('/auth/token').set('Authorization', bearer(token))).body.id;
    expect(await id(next.token)).toBe(await id(login.token));
  });

  it('never accepts a refresh token as a bearer token, nor an access token as a refresh token', async () => {
    const login = await t.login('frank');
    const asBearer = await me(login.refreshToken!);
    expect(asBearer.status).toBe(401);
    expect(asBearer.body).toMatchObject({ error: 'invalid_token', reason: 'malformed' });
    const asRefresh = await refresh(login.token);
    expect(asRefresh.status).toBe(400);
    expect(asRefresh.body).toMatchObject({ error: 'invalid_grant', reason: 'malformed' });
  });

  it('answers a replay of the immediate predecessor inside the grace window with the identical pair', async () => {
    const login = await t.login('frank');
    const first = await refresh(login.refreshToken);
    t.clock.advance(GRACE - 1);
    const again = await refresh(login.refreshToken);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await me(first.body.token)).status).toBe(200);
  });

  it('treats a replay after the grace window as reuse and revokes the whole family', async () => {
    events.length = 0;
    const login = await t.login('frank');
    const second = (await refresh(login.refreshToken)).body;
    const third = (await refresh(second.refreshToken)).body;
    t.clock.advance(GRACE + 1);
    const replay = await refresh(second.refreshToken);
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ error: 'invalid_grant', reason: 'reused' });
    const newest = await me(third.token);
    expect(newest.status).toBe(401);
    expect(newest.body.reason).toBe('revoked');
    expect((await refresh(third.refreshToken)).body).toMatchObject({ error: 'invalid_grant', reason: 'revoked' });
    expect(events.filter((e) => e.type === 'reuse-detected')).toEqual([
      expect.objectContaining({ userId: String(login.user.id), reason: 'reuse-detected', count: expect.any(Number) }),
    ]);
  });

  it('treats a spent refresh token presented to /auth/revoke after the grace window as reuse, like /auth/refresh', async () => {
    events.length = 0;
    const login = await t.login('frank');
    const second = (await refresh(login.refreshToken)).body;
    t.clock.advance(GRACE + 1);
    expect((await t.http().post('/auth/revoke').send({ token: login.refreshToken })).status).toBe(200);
    expect((await refresh(second.refreshToken)).body).toMatchObject({ error: 'invalid_grant', reason: 'revoked' });
    expect(events.map((e) => e.type)).toEqual(['issued', 'rotated', 'reuse-detected']);
    expect(events[2]).toEqual(expect.objectContaining({ userId: String(login.user.id), reason: 'reuse-detected', count: expect.any(Number) }));
    const reasons = await t.dataSource.query(`SELECT DISTINCT revoked_reason AS reason FROM auth_tokens WHERE family_id = '${events[2].sessionId}'`);
    expect(reasons.map((r: { reason: string }) => r.reason)).toEqual(['reuse-detected']);
  });

  it('revokes the session as an ordinary revocation when a just-spent refresh token is revoked inside the grace window', async () => {
    events.length = 0;
    const login = await t.login('frank');
    const second = (await refresh(login.refreshToken)).body;
    expect((await t.http().post('/auth/revoke').send({ token: login.refreshToken })).status).toBe(200);
    expect((await me(second.token)).body.reason).toBe('revoked');
    expect(events.map((e) => e.type)).toEqual(['issued', 'rotated', 'revoked']);
  });

  it('treats a token two generations back as reuse even inside the grace window', async () => {
    const login = await t.login('frank');
    const second = (await refresh(login.refreshToken)).body;
    const third = (await refresh(second.refreshToken)).body;
    const replay = await refresh(login.refreshToken);
    expect(replay.status).toBe(400);
    expect(replay.body.reason).toBe('reused');
    expect((await me(third.token)).body.reason).toBe('revoked');
  });

  it('kills a refresh token left unused for refreshTtl', async () => {
    const login = await t.login('frank');
    t.clock.advance(REFRESH_TTL);
    const response = await refresh(login.refreshToken);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_grant', reason: 'expired' });
  });

  it('never lets a family outlive maxLifetime, however often it rotates', async () => {
    let pair: LoginBody | Record<string, any> = await t.login('frank');
    const loginAt = t.clock.now();
    for (let i = 0; i < 5; i++) {
      t.clock.advance(REFRESH_TTL - 60);
      const response = await refresh(pair.refreshToken);
      if (t.clock.now() >= loginAt + MAX_LIFETIME * 1000) {
        expect(response.body).toMatchObject({ error: 'invalid_grant', reason: 'expired' });
        return;
      }
      expect(response.status).toBe(200);
      expect(Date.parse(response.body.refreshExpiry)).toBeLessThanOrEqual(loginAt + MAX_LIFETIME * 1000);
      pair = response.body;
    }
    throw new Error('the family outlived maxLifetime');
  });

  it('logout revokes the family, so its refresh token stops working', async () => {
    const login = await t.login('frank');
    expect((await t.http().post('/auth/logout').set('Authorization', bearer(login.token))).status).toBe(204);
    expect((await refresh(login.refreshToken)).body).toMatchObject({ error: 'invalid_grant', reason: 'revoked' });
  });

  it('logout-all revokes every family of the user', async () => {
    const one = await t.login('frank');
    const two = await t.login('frank');
    expect((await t.http().post('/auth/logout-all').set('Authorization', bearer(one.token))).status).toBe(204);
    for (const login of [one, two]) expect((await refresh(login.refreshToken)).body.reason).toBe('revoked');
  });

  it.each([
    ['malformed', 'not-a-token', 'malformed'],
    ['bad-checksum', `ntk_rt_${'0'.repeat(50)}`, 'malformed'],
    ['not a string', 12345, null],
  ])('refuses a %s refresh token with a specific answer', async (_label, value, reason) => {
    const response = await refresh(value);
    expect(response.status).toBe(400);
    if (reason) expect(response.body).toMatchObject({ error: 'invalid_grant', reason, error_description: expect.any(String) });
    else expect(response.body).toMatchObject({ error: 'invalid_request', field: 'refreshToken' });
  });

  it('refuses a well-formed refresh token this server never issued as unknown', async () => {
    const other = await createTestApp({ database: 'sqlite', mode: 'rotate', options: { secrets: 'Wb6Yk1Rf9Nz3Qh7Tm0Xv5Lc8Gp2Js4Da-other' } });
    try {
      await other.register('frank');
      const foreign = await other.login('frank');
      const response = await refresh(foreign.refreshToken);
      expect(response.body).toMatchObject({ error: 'invalid_grant', reason: 'unknown' });
    } finally {
      await other.close();
    }
  });

  it('gives 50 concurrent refreshes of one token exactly one successor and no revocation', async () => {
    const login = await t.login('frank');
    const responses = await Promise.all(Array.from({ length: 50 }, () => refresh(login.refreshToken)));
    const statuses = responses.map((r) => r.status);
    const pairs = new Set(responses.filter((r) => r.status === 200).map((r) => `${r.body.token}|${r.body.refreshToken}`));
    const rows = await t.dataSource.query(
      `SELECT COUNT(*) AS n FROM auth_tokens WHERE kind = 'refresh' AND parent_id = (SELECT id FROM auth_tokens WHERE key_id = '${login.refreshToken!.slice(7, 19)}')`,
    );
    const revoked = await t.dataSource.query(`SELECT COUNT(*) AS n FROM auth_tokens WHERE revoked_at IS NOT NULL AND user_id = '${login.user.id}' AND family_id = (SELECT family_id FROM auth_tokens WHERE key_id = '${login.refreshToken!.slice(7, 19)}')`);
    process.stdout.write(`[race ${database}] 50 concurrent refreshes: ${statuses.filter((s) => s === 200).length} × 200, ${pairs.size} distinct pair(s), ${Number(rows[0].n)} successor(s) stored, ${Number(revoked[0].n)} revoked rows\n`);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(pairs.size).toBe(1);
    expect(Number(rows[0].n)).toBe(1);
    expect(Number(revoked[0].n)).toBe(0);
  });
});

describe.each(selectedDatabases())('rotate mode with reuseGrace 0 on %s', (database) => {
  it('treats any replay as reuse', async () => {
    const t = await createTestApp({ database, mode: 'rotate', options: { reuseGrace: 0 } });
    try {
      await t.register('gina');
      const login = await t.login('gina');
      const next = await t.http().post('/auth/refresh').send({ refreshToken: login.refreshToken });
      t.clock.advance(0.001);
      const replay = await t.http().post('/auth/refresh').send({ refreshToken: login.refreshToken });
      expect(replay.body.reason).toBe('reused');
      expect((await t.http().get('/me').set('Authorization', bearer(next.body.token))).status).toBe(401);
    } finally {
      await t.close();
    }
  });
});
