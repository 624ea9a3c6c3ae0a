import { WsAdapter } from '@nestjs/platform-ws';
import { io, Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { TokenAuthSockets } from '../../lib';
import { selectedDatabases } from '../support/databases';
import { bearer, createTestApp, MODES, ScopedTestUsers, TestApp } from '../support/test-app';
import { OpenSocketIoGateway, SocketIoGateway, WsGateway } from './app.module';
import { acrossInstances } from './instances.scenario';

const FORGED = `ntk_at_${'A'.repeat(50)}`;

/** Resolves with the next `event` a socket.io client receives. */
const next = (socket: Socket, event: string) => new Promise<any>((resolve) => socket.once(event, resolve));

describe.each(selectedDatabases())('WebSockets on %s', (database) => {
  describe.each(MODES)('%s mode', (mode) => {
    describe('socket.io', () => {
      let t: TestApp;
      const sockets: Socket[] = [];
      const connect = (options: { token?: string; header?: string; namespace?: string }) => {
        const socket = io(`${t.url}${options.namespace ?? ''}`, {
          transports: ['websocket'],
          reconnection: false,
          auth: options.token ? { token: options.token } : {},
          extraHeaders: options.header ? { Authorization: options.header } : {},
        });
        sockets.push(socket);
        return socket;
      };
      const connected = async (options: Parameters<typeof connect>[0]) => {
        const socket = connect(options);
        await next(socket, 'connect');
        return socket;
      };

      beforeAll(async () => {
        t = await createTestApp({ database, mode, options: { users: ScopedTestUsers }, host: { providers: [SocketIoGateway, OpenSocketIoGateway] } });
        await t.register('alice');
        await t.register('admin-ann');
      });
      afterEach(() => sockets.splice(0).forEach((socket) => socket.disconnect()));
      afterAll(() => t.close());

      it.each([['the auth payload', 'token'], ['the Authorization header', 'header']] as const)(
        'accepts a valid token in %s; the guarded message sees the user',
        async (_label, how) => {
          const { token } = await t.login('alice');
          const socket = await connected(how === 'token' ? { token } : { header: bearer(token) });
          socket.emit('whoami', {});
          expect(await next(socket, 'whoami')).toEqual({ username: 'alice', sessionId: expect.any(String) });
        },
      );

      it.each([
        ['no token', {}, { error: 'unauthorized' }],
        ['a forged token', { token: FORGED }, { error: 'invalid_token', reason: 'malformed' }],
      ])('refuses a handshake with %s: connect_error carrying error/reason', async (_label, options, fields) => {
        const error = await next(connect(options), 'connect_error');
        expect(error.data).toMatchObject({ status: 'error', ...fields });
      });

      it('refuses a handshake with a revoked token', async () => {
        const { token } = await t.login('alice');
        await t.http().post('/auth/logout').set('Authorization', bearer(token)).expect(204);
        const error = await next(connect({ token }), 'connect_error');
        expect(error.data).toMatchObject({ error: 'invalid_token', reason: 'revoked' });
      });

      it.each([
        ['no token', {}, { error: 'unauthorized' }],
        ['a forged token', { token: FORGED }, { error: 'invalid_token', reason: 'malformed' }],
      ])('without the middleware, the guard refuses a message with %s as a WsException', async (_label, options, fields) => {
        const socket = await connected({ ...options, namespace: '/open' });
        socket.emit('whoami', {});
        expect(await next(socket, 'exception')).toMatchObject({ status: 'error', ...fields, message: expect.any(String) });
      });

      it('re-checks the token on every message: a logged-out session\'s next message is refused', async () => {
        const { token } = await t.login('alice');
        const socket = await connected({ token, namespace: '/open' });
        socket.emit('whoami', {});
        await next(socket, 'whoami');
        await t.http().post('/auth/logout').set('Authorization', bearer(token)).expect(204);
        socket.emit('whoami', {});
        expect(await next(socket, 'exception')).toMatchObject({ error: 'invalid_token', reason: 'revoked' });
      });

      it('applies @RequireScopes on a message handler', async () => {
        const alice = await connected({ token: (await t.login('alice')).token });
        alice.emit('admin', {});
        expect(await next(alice, 'exception')).toMatchObject({ error: 'insufficient_scope', scope: 'admin' });
        const admin = await connected({ token: (await t.login('admin-ann')).token });
        admin.emit('admin', {});
        expect(await next(admin, 'admin')).toBe('admin ok');
      });

      it('disconnects an open socket within a second of its session being revoked, and only that session', async () => {
        const revoked = await t.login('alice');
        const kept = await t.login('alice');
        const socket = await connected({ token: revoked.token });
        const other = await connected({ token: kept.token });
        const exception = next(socket, 'exception');
        const disconnected = next(socket, 'disconnect').then(() => Date.now());
        const revokedAt = Date.now();
        await t.http().post('/auth/logout').set('Authorization', bearer(revoked.token)).expect(204);
        expect(await disconnected).toBeLessThan(revokedAt + 1000);
        expect(await exception).toMatchObject({ error: 'invalid_token', reason: 'revoked' });
        other.emit('whoami', {});
        expect((await next(other, 'whoami')).username).toBe('alice');
      });

      it('disconnects every socket of a user on logout-all', async () => {
        const one = await t.login('alice');
        const two = await t.login('alice');
        const socket = await connected({ token: two.token });
        const disconnected = next(socket, 'disconnect');
        await t.http().post('/auth/logout-all').set('Authorization', bearer(one.token)).expect(204);
        await disconnected;
        expect(t.app.get(TokenAuthSockets).size).toBe(0);
      });

      it('leaves the host\'s own WsException as Nest answers it', async () => {
        const socket = await connected({ token: (await t.login('alice')).token });
        socket.emit('host-error', { n: 1 });
        expect(await next(socket, 'exception')).toEqual({ status: 'error', host: true, echo: { n: 1 } });
      });
    });

    describe('ws', () => {
      let t: TestApp;
      const clients: WebSocket[] = [];
      const open = (headers: Record<string, string>) => {
        const client = new WebSocket(`${t.url.replace('http', 'ws')}/ws`, { headers });
        clients.push(client);
        return client;
      };
      const message = (client: WebSocket) => new Promise<any>((resolve) => client.once('message', (raw) => resolve(JSON.parse(String(raw)))));
      const closed = (client: WebSocket) => new Promise<{ code: number; reason: string; at: number }>((resolve) => client.once('close', (code, reason) => resolve({ code, reason: String(reason), at: Date.now() })));
      const ready = async (token: string) => {
        const client = open({ Authorization: bearer(token) });
        await new Promise((resolve) => client.once('open', resolve));
        return client;
      };

      beforeAll(async () => {
        t = await createTestApp({
          database,
          mode,
          options: { users: ScopedTestUsers },
          host: { providers: [WsGateway], configure: (app) => void app.useWebSocketAdapter(new WsAdapter(app)) },
        });
        await t.register('alice');
        await t.register('admin-ann');
      });
      afterEach(() => clients.splice(0).forEach((client) => client.terminate()));
      afterAll(() => t.close());

      it('accepts the handshake Authorization header; the guarded message sees the user', async () => {
        const client = await ready((await t.login('alice')).token);
        const reply = message(client);
        client.send(JSON.stringify({ event: 'whoami', data: {} }));
        expect(await reply).toEqual({ event: 'whoami', data: { username: 'alice', sessionId: expect.any(String) } });
      });

      it.each([
        ['no token', {}, 'unauthorized'],
        ['a forged token', { Authorization: bearer(FORGED) }, 'invalid_token: malformed'],
      ])('refuses a connection with %s: an exception frame, then close 4401', async (_label, headers, reason) => {
        const client = open(headers);
        const frame = message(client);
        expect(await closed(client)).toMatchObject({ code: 4401, reason });
        expect((await frame).event).toBe('exception');
      });

      it('refuses a connection with a revoked token', async () => {
        const { token } = await t.login('alice');
        await t.http().post('/auth/logout').set('Authorization', bearer(token)).expect(204);
        const client = open({ Authorization: bearer(token) });
        expect((await message(client)).data).toMatchObject({ error: 'invalid_token', reason: 'revoked' });
      });

      it('answers an insufficient scope with an exception frame (ws sockets get no frame from Nest\'s own filter)', async () => {
        const client = await ready((await t.login('alice')).token);
        const reply = message(client);
        client.send(JSON.stringify({ event: 'admin', data: {} }));
        expect(await reply).toEqual({ event: 'exception', data: expect.objectContaining({ status: 'error', error: 'insufficient_scope', scope: 'admin' }) });
      });

      it('closes an open socket within a second of its session being revoked', async () => {
        const { token } = await t.login('alice');
        const client = await ready(token);
        const close = closed(client);
        const revokedAt = Date.now();
        await t.http().post('/auth/logout').set('Authorization', bearer(token)).expect(204);
        const { code, reason, at } = await close;
        expect({ code, reason }).toEqual({ code: 4401, reason: 'invalid_token: revoked' });
        expect(at - revokedAt).toBeLessThan(1000);
      });
    });
  });
});

acrossInstances();
