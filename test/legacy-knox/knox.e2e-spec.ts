import { randomBytes } from 'node:crypto';
import { KnoxTable } from '../../lib/legacy/knox/knox-table';
import { TokenAuthEvents } from '../../lib/token-auth.events.service';
import { selectedDatabases } from '../support/databases';
import { countQueries } from '../support/query-counter';
import { createTestApp, TestApp } from '../support/test-app';
import { DjangoUsers, KnoxFixture, knoxDatabase, loadFixture } from './knox-fixture';

const HOUR = 3600 * 1000;
const T0 = Date.UTC(2030, 0, 1);
const knoxHeader = (token: string) => `Token ${token}`;

describe.each(selectedDatabases())('django-rest-knox tokens from a real knox table (%s)', (name) => {
  let fixture: KnoxFixture;
  let t: TestApp;
  let table: KnoxTable;
  const tokenOf = (user: string, label: string) => fixture.tokens.find((x) => x.user === user && x.label === label)!.token;
  const rowOf = async (token: string) => (await table.candidates(token.slice(0, 15))).find((r) => r.tokenKey === token.slice(0, 15)) ?? null;
  const at = (ms: number) => (t.clock.ms = ms);

  beforeAll(async () => {
    fixture = loadFixture(name);
    const users = new DjangoUsers();
    t = await createTestApp({
      database: await knoxDatabase(name, fixture),
      mode: 'extend',
      options: {
        users,
        tokenLimitPerUser: 3,
        // As knox's own tests configure it: 10 h TTL, auto-refresh, capped 24 h after creation.
        legacy: { knox: { ttl: 36000, autoRefresh: true, autoRefreshMaxTtl: 24 * 3600 } },
        introspection: { authorize: () => true },
      },
    });
    users.dataSource = t.dataSource;
    table = new KnoxTable(t.dataSource, 'knox_authtoken');
  });

  afterAll(async () => {
    await t?.close();
    await t?.database.drop();
  });

  it('was made by knox 5 itself', () => {
    expect(fixture.knox).toMatch(/^5\./);
    expect(fixture.rows.knox_authtoken).toHaveLength(fixture.tokens.length);
  });

  it('accepts a knox token under knox\'s header, as the user its row names', async () => {
    at(T0 + HOUR);
    const me = await t.http().get('/me').set('Authorization', knoxHeader(tokenOf('alice', 'auth')));
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: 1, username: 'alice' });
    const details = await t.http().get('/auth/token').set('Authorization', knoxHeader(tokenOf('alice', 'auth')));
    expect(details.body).toMatchObject({ id: expect.stringMatching(/^knox-[0-9a-f]{32}$/), kind: 'access', expiry: new Date(T0 + 11 * HOUR).toISOString() }); // auto-refreshed on use
    expect(JSON.stringify(details.body)).not.toContain(tokenOf('alice', 'auth').slice(0, 15));
  });

  it('accepts a token without expiry, and refuses the token of an inactive user', async () => {
    at(T0 + 1000 * HOUR);
    expect((await t.http().get('/me').set('Authorization', knoxHeader(tokenOf('alice', 'forever')))).status).toBe(200);
    const inactive = await t.http().get('/me').set('Authorization', knoxHeader(tokenOf('erin', 'inactive')));
    expect(inactive.status).toBe(401);
  });

  it('auto-refreshes as knox\'s tests expect: to now + TTL, never past AUTO_REFRESH_MAX_TTL, then expires', async () => {
    const token = tokenOf('alice', 'refresh');
    at(T0 + 5 * HOUR);
    const first = await t.http().get('/me').set('Authorization', knoxHeader(token));
    expect(first.status).toBe(200);
    expect(first.headers['x-token-expiry']).toBe(new Date(T0 + 15 * HOUR).toISOString());
    expect((await rowOf(token))!.expiry).toBe(T0 + 15 * HOUR);
    // Past the original expiry it still works.
    at(T0 + 14 * HOUR);
    expect((await t.http().get('/me').set('Authorization', knoxHeader(token))).status).toBe(200);
    expect((await rowOf(token))!.expiry).toBe(T0 + 24 * HOUR);
    at(T0 + 23 * HOUR);
    expect((await t.http().get('/me').set('Authorization', knoxHeader(token))).status).toBe(200);
    expect((await rowOf(token))!.expiry).toBe(T0 + 24 * HOUR);
    at(T0 + 24 * HOUR + 1000);
    const late = await t.http().get('/me').set('Authorization', knoxHeader(token));
    expect(late.status).toBe(401);
    expect(late.body.reason).toBe('expired');
    expect(await rowOf(token)).toBeNull();
  });

  it('writes no refresh within MIN_REFRESH_INTERVAL', async () => {
    const token = tokenOf('alice', 'throttle');
    at(T0 + 50_000);
    const writes = countQueries(t.dataSource);
    expect((await t.http().get('/me').set('Authorization', knoxHeader(token))).status).toBe(200);
    writes.restore();
    expect(writes.queries.filter((q) => /^\s*UPDATE/i.test(q))).toEqual([]);
    expect((await rowOf(token))!.expiry).toBe(T0 + 10 * HOUR);
    at(T0 + 61_000);
    expect((await t.http().get('/me').set('Authorization', knoxHeader(token))).status).toBe(200);
    expect((await rowOf(token))!.expiry).toBe(T0 + 10 * HOUR + 61_000);
  });

  it('refuses an expired knox token and deletes its row, as knox does', async () => {
    const token = tokenOf('alice', 'expired');
    at(T0);
    expect(await rowOf(token)).not.toBeNull();
    const response = await t.http().get('/me').set('Authorization', knoxHeader(token));
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: 'invalid_token', reason: 'expired' });
    expect(await rowOf(token)).toBeNull();
  });

  it('logout deletes the knox row', async () => {
    const token = tokenOf('alice', 'logout');
    at(T0 + HOUR);
    expect((await t.http().post('/auth/logout').set('Authorization', knoxHeader(token))).status).toBe(204);
    expect(await rowOf(token)).toBeNull();
    expect((await t.http().get('/me').set('Authorization', knoxHeader(token))).status).toBe(401);
  });

  it('logout-all deletes every knox row of the user and revokes their native sessions', async () => {
    at(T0 + HOUR);
    const native = await t.login('bob');
    expect((await t.http().post('/auth/logout-all').set('Authorization', knoxHeader(tokenOf('bob', 'one')))).status).toBe(204);
    expect(await table.countLive('2', T0 + HOUR)).toBe(0);
    expect((await t.http().get('/me').set('Authorization', knoxHeader(tokenOf('bob', 'two')))).status).toBe(401);
    expect((await t.http().get('/me').set('Authorization', `Bearer ${native.token}`)).status).toBe(401);
  });

  it('lists knox sessions in GET /auth/tokens, counts them against tokenLimitPerUser, and revokes one by id', async () => {
    at(T0 + HOUR);
    const listed = await t.http().get('/auth/tokens').set('Authorization', knoxHeader(tokenOf('dave', 'limit-a')));
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(2);
    expect(listed.body.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    // Two knox tokens live: one login fits under the limit of 3, the next does not.
    await t.login('dave');
    const refused = await t.http().post('/auth/login').send({ username: 'dave', password: fixture.password });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('token_limit_exceeded');
    const other = listed.body.find((s: { current: boolean }) => !s.current);
    expect((await t.http().delete(`/auth/tokens/${other.id}`).set('Authorization', knoxHeader(tokenOf('dave', 'limit-a')))).status).toBe(204);
    expect(await rowOf(tokenOf('dave', 'limit-b'))).toBeNull();
    expect((await t.http().post('/auth/login').send({ username: 'dave', password: fixture.password })).status).toBe(200);
  });

  it('exchanges a knox token once for a native session; the knox token is dead afterwards', async () => {
    const token = tokenOf('carol', 'upgrade');
    at(T0 + HOUR);
    const upgraded = await t.http().post('/auth/upgrade').set('Authorization', knoxHeader(token));
    expect(upgraded.status).toBe(200);
    expect(upgraded.body).toMatchObject({ token: expect.stringMatching(/^ntk_at_/), user: { id: 3, username: 'carol' } });
    expect(await rowOf(token)).toBeNull();
    expect((await t.http().get('/me').set('Authorization', knoxHeader(token))).status).toBe(401);
    expect((await t.http().post('/auth/upgrade').set('Authorization', knoxHeader(token))).status).toBe(401);
    const me = await t.http().get('/me').set('Authorization', `Bearer ${upgraded.body.token}`);
    expect(me.body).toEqual({ id: 3, username: 'carol' });
    // A native token has nothing to exchange.
    const native = await t.http().post('/auth/upgrade').set('Authorization', `Bearer ${upgraded.body.token}`);
    expect(native.status).toBe(401);
  });

  it('of concurrent exchanges of one knox token, exactly one wins', async () => {
    at(T0 + HOUR);
    const token = tokenOf('carol', 'race');
    const answers = await Promise.all([1, 2, 3, 4].map(() => t.http().post('/auth/upgrade').set('Authorization', knoxHeader(token))));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401, 401, 401]);
  });

  it('a forged knox-shaped token costs one query; a string not of the knox shape costs none', async () => {
    at(T0 + HOUR);
    const counter = countQueries(t.dataSource);
    const forged = await t.http().get('/me').set('Authorization', knoxHeader(randomBytes(32).toString('hex')));
    expect(forged.status).toBe(401);
    expect(forged.body.reason).toBe('unknown');
    expect(counter.count).toBe(1);
    // A real token_key with a forged rest: still one query, still refused.
    const sameKey = tokenOf('alice', 'auth').slice(0, 15) + randomBytes(32).toString('hex').slice(0, 49);
    counter.reset();
    expect((await t.http().get('/me').set('Authorization', knoxHeader(sameKey))).status).toBe(401);
    expect(counter.count).toBe(1);
    counter.reset();
    for (const garbage of ['hello', tokenOf('alice', 'auth').toUpperCase(), tokenOf('alice', 'auth').slice(1), `${tokenOf('alice', 'auth')}0`, tokenOf('alice', 'prefixed')]) {
      const response = await t.http().get('/me').set('Authorization', knoxHeader(garbage));
      expect(response.status).toBe(401);
      expect(response.body.reason).toBe('malformed');
    }
    expect(counter.count).toBe(0);
    counter.restore();
  });

  it('introspection describes a live knox token without using it, and an expired or unknown one as inactive without deleting anything', async () => {
    at(T0 + HOUR);
    const introspect = (token: string) => t.http().post('/auth/introspect').send({ token });
    const forever = tokenOf('alice', 'forever');
    const before = await rowOf(forever);
    const described = await introspect(forever);
    expect(described.status).toBe(200);
    expect(described.body).toEqual({
      active: true,
      scope: '',
      sub: '1',
      exp: null,
      iat: Math.floor(before!.created / 1000),
      token_type: 'access_token',
      sid: expect.stringMatching(/^knox-[0-9a-f]{32}$/),
    });
    // The same session id the session list shows, and no use recorded: the row is as it was.
    const listed = await t.http().get('/auth/tokens').set('Authorization', knoxHeader(forever));
    expect(listed.body.find((s: { current: boolean }) => s.current).id).toBe(described.body.sid);
    expect(await rowOf(forever)).toEqual(before);

    // Past AUTO_REFRESH_MAX_TTL the auth token is expired: inactive, and (unlike a use) its row stays.
    at(T0 + 100 * HOUR);
    const auth = tokenOf('alice', 'auth');
    expect((await introspect(auth)).body).toEqual({ active: false });
    expect(await rowOf(auth)).not.toBeNull();
    expect((await introspect(auth.slice(0, 15) + randomBytes(32).toString('hex').slice(0, 49))).body).toEqual({ active: false });
  });

  it('revocation (RFC 7009) deletes a knox token\'s row and says so in a revoked event; the token is refused afterwards', async () => {
    at(T0 + HOUR);
    const token = tokenOf('alice', 'sessions');
    const sid = (await t.http().get('/auth/token').set('Authorization', knoxHeader(token))).body.id;
    const events: { type: string; sessionId: string | null }[] = [];
    let listening = true;
    t.app.get(TokenAuthEvents).subscribe((event) => listening && events.push({ type: event.type, sessionId: event.sessionId }));
    expect((await t.http().post('/auth/revoke').send({ token })).status).toBe(200);
    expect(await rowOf(token)).toBeNull();
    expect((await t.http().get('/me').set('Authorization', knoxHeader(token))).status).toBe(401);
    // Revoking it again, or a forged knox-shaped token, changes nothing and answers 200 (RFC 7009 2.2).
    expect((await t.http().post('/auth/revoke').send({ token })).status).toBe(200);
    expect((await t.http().post('/auth/revoke').send({ token: randomBytes(32).toString('hex') })).status).toBe(200);
    listening = false;
    expect(events.filter((e) => e.type === 'revoked')).toEqual([{ type: 'revoked', sessionId: sid }]);
  });

  it('the purge deletes expired knox rows only', async () => {
    const live = await table.countLive('1', T0 + 30 * HOUR);
    expect(await table.purgeExpired(T0 + 30 * HOUR, true)).toBeGreaterThan(0);
    const purged = await table.purgeExpired(T0 + 30 * HOUR);
    expect(purged).toBeGreaterThan(0);
    expect(await table.purgeExpired(T0 + 30 * HOUR, true)).toBe(0);
    expect(await table.countLive('1', T0 + 30 * HOUR)).toBe(live);
    expect(await rowOf(tokenOf('alice', 'forever'))).not.toBeNull();
  });
});
