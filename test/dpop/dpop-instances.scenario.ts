import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisDpopReplayStore } from '../../lib';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { connectRedis, describeWithRedis } from '../support/redis';
import { createTestApp, PASSWORD, TestApp } from '../support/test-app';
import { generateKeyPair, generateProof, KeyPair } from './dpop-client';

const ORIGIN = 'https://api.example.test';

/** SQLite in a file, so two app instances share it (`:memory:` would give each its own database). */
async function sharedDatabase(db: 'sqlite' | 'postgres' | 'mariadb'): Promise<TestDatabase & { cleanup(): Promise<void> }> {
  if (db !== 'sqlite') {
    const database = await createTestDatabase(db);
    return { ...database, cleanup: () => database.drop() };
  }
  const file = join(tmpdir(), `nta-dpop-${process.pid}-${randomBytes(4).toString('hex')}.sqlite`);
  return { name: 'sqlite', options: { type: 'better-sqlite3', database: file }, drop: async () => undefined, cleanup: async () => rmSync(file, { force: true }) };
}

/**
 * Two instances behind one public origin share a database and a Redis replay store: a proof used on
 * one is a replay on the other. The same two instances also demand server nonces, which each accepts
 * from the other (they are derived from the shared secret, not stored). Run from dpop.e2e-spec.ts,
 * so a run without Redis still has tests in that file.
 */
export const acrossInstances = (): void =>
  describeWithRedis('DPoP across two instances with Redis', () => describe.each(selectedDatabases())('on %s', (db) => {
  let database: Awaited<ReturnType<typeof sharedDatabase>>;
  let redis: Redis;
  let a: TestApp;
  let b: TestApp;
  let key: KeyPair;
  let token: string;
  let nonce: string;
  const prefix = `nta:test:dpop:${process.pid}:${randomBytes(4).toString('hex')}:`;
  const proof = (path: string, htm = 'GET', accessToken?: string) => generateProof(key, `${ORIGIN}${path}`, htm, nonce, accessToken);
  const get = async (app: TestApp, path: string, dpop: string) => app.http().get(path).set('Authorization', `DPoP ${token}`).set('DPoP', dpop);

  beforeAll(async () => {
    database = await sharedDatabase(db);
    redis = await connectRedis();
    const options = { dpop: { mode: 'optional' as const, origin: ORIGIN, nonce: true, replayStore: redisDpopReplayStore(redis, { prefix }) } };
    a = await createTestApp({ database, mode: 'rotate', options });
    b = await createTestApp({ database, mode: 'rotate', options });
    a.clock.ms = b.clock.ms = Date.now();
    await a.register('nina');
    key = await generateKeyPair('ES256');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await database?.cleanup();
  });

  it('asks for a server nonce at login (400 use_dpop_nonce with DPoP-Nonce), and accepts the retry', async () => {
    const first = await a.http().post('/auth/login').set('DPoP', await generateProof(key, `${ORIGIN}/auth/login`, 'POST')).send({ username: 'nina', password: PASSWORD });
    expect({ status: first.status, error: first.body.error, reason: first.body.reason }).toEqual({ status: 400, error: 'use_dpop_nonce', reason: 'nonce' });
    nonce = first.headers['dpop-nonce'];
    expect(nonce).toEqual(expect.any(String));
    const retry = await a.http().post('/auth/login').set('DPoP', await proof('/auth/login', 'POST')).send({ username: 'nina', password: PASSWORD });
    expect(retry.status).toBe(200);
    token = retry.body.token;
  });

  it('asks for a nonce at a resource (401 use_dpop_nonce in the DPoP challenge); the other instance accepts the nonce', async () => {
    const without = await generateProof(key, `${ORIGIN}/me`, 'GET', undefined, token);
    const refused = await get(b, '/me', without);
    expect({ status: refused.status, error: refused.body.error }).toEqual({ status: 401, error: 'use_dpop_nonce' });
    expect(refused.headers['www-authenticate']).toMatch(/^DPoP realm="api", error="use_dpop_nonce"/);
    expect(refused.headers['dpop-nonce']).toBe(nonce);
    expect((await get(b, '/me', await proof('/me', 'GET', token))).status).toBe(200);
    const forged = await get(b, '/me', await generateProof(key, `${ORIGIN}/me`, 'GET', `${nonce.slice(0, -2)}AA`, token));
    expect(forged.body.error).toBe('use_dpop_nonce');
  });

  it('refuses on one instance a proof already used on the other', async () => {
    const once = await proof('/me', 'GET', token);
    expect((await get(a, '/me', once)).status).toBe(200);
    const again = await get(b, '/me', once);
    expect({ status: again.status, error: again.body.error, reason: again.body.reason }).toEqual({ status: 401, error: 'invalid_dpop_proof', reason: 'replayed' });
    expect((await get(b, '/me', await proof('/me', 'GET', token))).status).toBe(200);
  });
}));
