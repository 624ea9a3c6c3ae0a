import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { io } from 'socket.io-client';
import { redisCacheInvalidation } from '../../lib';
import { rmSync } from 'node:fs';
import { TestDatabase } from '../support/databases';
import { connectRedis, describeWithRedis } from '../support/redis';
import { bearer, createTestApp, TestApp } from '../support/test-app';
import { SocketIoGateway } from './app.module';

/** Run from websockets.e2e-spec.ts, so a run without Redis still has tests in that file. */
export const acrossInstances = (): void => describeWithRedis('WebSockets across instances (Redis cache invalidation)', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let publisher: Redis;
  let subscribers: Redis[];

  beforeAll(async () => {
    // One SQLite file both instances open (an in-memory database would be private to each).
    const file = `/tmp/nta-ws-${process.pid}-${randomBytes(3).toString('hex')}.sqlite`;
    db = { name: 'sqlite', options: { type: 'better-sqlite3', database: file }, drop: async () => rmSync(file, { force: true }) };
    [publisher, ...subscribers] = await Promise.all([connectRedis(), connectRedis(), connectRedis()]);
    const channel = `nta-ws-${randomBytes(4).toString('hex')}`;
    const instance = (subscriber: Redis) =>
      createTestApp({ database: db, mode: 'extend', options: { cache: { ttl: 600, invalidation: redisCacheInvalidation(publisher, subscriber, channel) } }, host: { providers: [SocketIoGateway] } });
    a = await instance(subscribers[0]);
    b = await instance(subscribers[1]);
    b.clock.ms = a.clock.ms;
    await a.register('alice');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
    [publisher, ...subscribers].forEach((client) => client?.disconnect());
  });

  it('disconnects a socket held by another instance within a second of the logout', async () => {
    const { token } = await a.login('alice');
    const socket = io(b.url, { transports: ['websocket'], reconnection: false, auth: { token } });
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const disconnected = new Promise<number>((resolve) => socket.once('disconnect', () => resolve(Date.now())));
      const revokedAt = Date.now();
      await a.http().post('/auth/logout').set('Authorization', bearer(token)).expect(204);
      expect(await disconnected).toBeLessThan(revokedAt + 1000);
    } finally {
      socket.disconnect();
    }
  });
});
