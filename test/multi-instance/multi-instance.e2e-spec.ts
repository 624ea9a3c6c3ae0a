import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { rmSync } from 'node:fs';
import { admin, DatabaseName, MARIADB, MARIADB_URL, POSTGRES_URL, selectedDatabases, withDatabase } from '../support/databases';
import { connectRedis, describeWithRedis, REDIS_URL, redisSelected } from '../support/redis';
import { Instance, startInstance } from './instances';

// Two processes behind an imaginary load balancer: tokens in one database and, when Redis is
// selected, rate-limit counters in one Redis. Every assertion crosses from one instance to the other.
const REFRESH_LIMIT = 5;
const REFRESH_WINDOW = 60;
const PASSWORD = 'correct horse battery';

/** A database both processes can reach, as a DATABASE_URL, and how to remove it. */
async function sharedDatabase(kind: DatabaseName, name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (kind === 'postgres') {
    const pg = { type: 'postgres' as const, url: POSTGRES_URL };
    await admin(pg, [`CREATE DATABASE "${name}"`]);
    return { url: withDatabase(POSTGRES_URL, name), drop: () => admin(pg, [`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`]) };
  }
  if (kind === 'mariadb') {
    const my = { type: 'mysql' as const, ...MARIADB };
    await admin(my, [`CREATE DATABASE \`${name}\``]);
    // The mariadb: scheme makes the sample app use TypeORM's mariadb driver, as the in-process tests do.
    return { url: withDatabase(MARIADB_URL, name).replace(/^mysql:/, 'mariadb:'), drop: () => admin(my, [`DROP DATABASE IF EXISTS \`${name}\``]) };
  }
  const file = `/tmp/${name}.sqlite`;
  return { url: `sqlite:${file}`, drop: async () => ['', '-wal', '-shm', '-journal'].forEach((s) => rmSync(file + s, { force: true })) };
}

describe.each(selectedDatabases())('two sample-app instances sharing %s (rotate mode)', (kind) => {
  const id = randomBytes(4).toString('hex');
  const database = `nta_mi_${id}`;
  // A prefix per run, so counters left by an earlier or parallel run never count here.
  const redisPrefix = `nta:mi:${id}:`;
  let redis: Redis | undefined;
  let shared: { url: string; drop: () => Promise<void> } | undefined;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    if (redisSelected()) redis = await connectRedis();
    shared = await sharedDatabase(kind, database);
    const env = {
      AUTH_MODE: 'rotate',
      TOKEN_SECRET: `multi-instance-secret-${randomBytes(16).toString('hex')}`,
      DATABASE_URL: shared.url,
      ...(redis ? { REDIS_URL, REDIS_PREFIX: redisPrefix } : {}),
      REUSE_GRACE: '1',
      REFRESH_LIMIT: String(REFRESH_LIMIT),
      REFRESH_WINDOW: String(REFRESH_WINDOW),
      LOGIN_LIMIT: '1000',
    };
    // One after the other: two TypeORM `synchronize` runs on the empty database would race.
    a = await startInstance(env);
    b = await startInstance(env);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await shared?.drop();
    const keys = (await redis?.keys(`${redisPrefix}*`)) ?? [];
    if (keys.length) await redis!.del(...keys);
    await redis?.quit();
  });

  /** A new user with one fresh session (token family), logged in on `on`. */
  async function session(on: Instance): Promise<{ token: string; refreshToken: string }> {
    const username = `mi-${randomBytes(6).toString('hex')}`;
    await request(on.url).post('/users').send({ username, password: PASSWORD }).expect(201);
    return (await request(on.url).post('/auth/login').send({ username, password: PASSWORD }).expect(200)).body;
  }
  const refresh = (on: Instance, refreshToken: string) => request(on.url).post('/auth/refresh').send({ refreshToken });
  const me = (on: Instance, token: string) => request(on.url).get('/me').set('Authorization', `Bearer ${token}`);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('accepts on B an access token issued on A', async () => {
    const { token } = await session(a);
    await me(b, token).expect(200);
  });

  it('answers a replay on B inside the grace window with the pair A issued', async () => {
    const first = await session(a);
    const onA = await refresh(a, first.refreshToken).expect(200);
    const onB = await refresh(b, first.refreshToken).expect(200);
    expect(onB.body).toEqual(onA.body);
    await me(b, onA.body.token).expect(200);
  });

  it('treats a replay after the grace window as reuse and revokes the family on both instances', async () => {
    const first = await session(a);
    const newest = (await refresh(a, first.refreshToken).expect(200)).body;
    await me(b, newest.token).expect(200);
    await sleep(1200); // REUSE_GRACE is 1 s
    const replay = await refresh(b, first.refreshToken).expect(400);
    expect(replay.body).toMatchObject({ error: 'invalid_grant', reason: 'reused' });
    for (const on of [a, b]) expect((await me(on, newest.token).expect(401)).body).toMatchObject({ error: 'invalid_token', reason: 'revoked' });
    expect((await refresh(a, newest.refreshToken).expect(400)).body).toMatchObject({ error: 'invalid_grant' });
  });

  describeWithRedis('with rate-limit counters in Redis', () => {
    it('counts the refresh limit once for all instances, then answers 429 with Retry-After on either', async () => {
      let { refreshToken } = await session(a);
      // Alternating, each instance sees only half the refreshes: per-instance counters would never refuse.
      for (let i = 0; i < REFRESH_LIMIT; i++) {
        refreshToken = (await refresh(i % 2 ? b : a, refreshToken).expect(200)).body.refreshToken;
      }
      for (const on of [b, a]) {
        const refused = await refresh(on, refreshToken).expect(429);
        const retryAfter = Number(refused.headers['retry-after']);
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(REFRESH_WINDOW);
      }
      expect((await redis!.keys(`${redisPrefix}*`)).length).toBeGreaterThan(0);
    });
  });

  it('runs with the token cache on wherever revocations reach every instance: PostgreSQL, a SQLite file, MariaDB with Redis', () => {
    // The sample app passes a Redis channel on MariaDB when REDIS_URL is set; without one the cache stays off there.
    const cacheOn = kind !== 'mariadb' || redis !== undefined;
    for (const instance of [a, b]) {
      if (cacheOn) expect(instance.output()).toMatch(/cache invalidation channel listening: token cache on/);
      else expect(instance.output()).not.toMatch(/token cache on/);
    }
  });

  it('sees a logout on A on B within the cache bound (PostgreSQL: NOTIFY; SQLite: data_version every 250 ms; MariaDB: Redis pub/sub)', async () => {
    const { token } = await session(a);
    await me(b, token).expect(200);
    await request(a.url).post('/auth/logout').set('Authorization', `Bearer ${token}`).expect(204);
    const revokedAt = Date.now();
    let answer = await me(b, token);
    while (answer.status === 200 && Date.now() - revokedAt < 2000) answer = await me(b, token);
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: 'invalid_token', reason: 'revoked' });
  });
});

// PostgreSQL only: 1,000 revocations with the cache on by default (its own file, run from here so it always has a suite).
import './propagation.scenario';
