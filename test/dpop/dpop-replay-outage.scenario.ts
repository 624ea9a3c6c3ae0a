import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { redisDpopReplayStore } from '../../lib';
import { describeWithRedis, REDIS_URL } from '../support/redis';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestApp, PASSWORD, TestApp } from '../support/test-app';
import { generateKeyPair, generateProof, KeyPair } from './dpop-client';

const ORIGIN = 'https://api.example.test';

/**
 * The Redis replay store fails closed: while Redis cannot be reached, a DPoP request is answered 503
 * (never accepted unchecked, never refused as if the proof were bad) and a refresh spends nothing;
 * once Redis is back, fresh proofs work again. Redis is reached through a proxy the test cuts, with
 * an ioredis client as an app would configure it (reconnecting, offline queue on). Run from
 * dpop.e2e-spec.ts, so a run without Redis still has tests in that file.
 */
export const replayStoreOutage = (): void =>
  describeWithRedis('DPoP replay store in Redis, while Redis is down', () => {
    const target = new URL(REDIS_URL);
    const proxy = new TcpProxy(Number(target.port || 6379), target.hostname);
    let redis: Redis;
    let t: TestApp;
    let key: KeyPair;
    const prefix = `nta:test:dpop-outage:${process.pid}:${randomBytes(4).toString('hex')}:`;
    const me = async (token: string) =>
      t.http().get('/me').set('Authorization', `DPoP ${token}`).set('DPoP', await generateProof(key, `${ORIGIN}/me`, 'GET', undefined, token));
    const refresh = async (refreshToken: string) =>
      t.http().post('/auth/refresh').set('DPoP', await generateProof(key, `${ORIGIN}/auth/refresh`, 'POST')).send({ refreshToken });

    beforeAll(async () => {
      await proxy.up();
      redis = new Redis({ host: '127.0.0.1', port: proxy.port, password: target.password || undefined, retryStrategy: () => 50 });
      t = await createTestApp({
        database: 'sqlite',
        mode: 'rotate',
        options: { dpop: { mode: 'optional', origin: ORIGIN, replayStore: redisDpopReplayStore(redis, { prefix, timeout: 300 }) } },
      });
      t.clock.ms = Date.now();
      await t.register('olga');
      key = await generateKeyPair('ES256');
    });
    afterAll(async () => {
      await t?.close();
      await proxy.up();
      const keys = await redis.keys(`${prefix}*`).catch(() => []);
      if (keys.length) await redis.del(...keys);
      redis?.disconnect();
      await proxy.down();
    });

    it('answers 503 while Redis is unreachable, spends no refresh token, and works again once Redis is back', async () => {
      const login = await t.http().post('/auth/login').set('DPoP', await generateProof(key, `${ORIGIN}/auth/login`, 'POST')).send({ username: 'olga', password: PASSWORD });
      expect(login.status).toBe(200);
      expect((await me(login.body.token)).status).toBe(200);

      await proxy.down();
      const refused = await me(login.body.token);
      expect({ status: refused.status, error: refused.body.error }).toEqual({ status: 503, error: 'temporarily_unavailable' });
      const notRefreshed = await refresh(login.body.refreshToken);
      expect({ status: notRefreshed.status, error: notRefreshed.body.error }).toEqual({ status: 503, error: 'temporarily_unavailable' });
      expect(t.logs.lines.join('\n')).toMatch(/DPoP replay store unavailable/);

      await proxy.up();
      // ioredis reconnects on its own; the first fresh proof after it has may still meet the old socket.
      const deadline = Date.now() + 5000;
      let back = await me(login.body.token);
      while (back.status !== 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        back = await me(login.body.token);
      }
      expect(back.status).toBe(200);
      // The refresh token the outage refused was not spent: it rotates now, once.
      const rotated = await refresh(login.body.refreshToken);
      expect(rotated.status).toBe(200);
      expect((await me(rotated.body.token)).status).toBe(200);
    });
  });
