import { ClientProxy, ClientsModule, Transport } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { selectedDatabases } from '../support/databases';
import { bearer, createTestApp, MODES, ScopedTestUsers, TestApp } from '../support/test-app';
import { NotesMessages } from './app.module';

const FORGED = `ntk_at_${'A'.repeat(50)}`;

describe.each(selectedDatabases())('Microservices (TCP) on %s', (database) => {
  describe.each(MODES)('%s mode', (mode) => {
    let t: TestApp;
    let client: ClientProxy;
    const send = (pattern: string, data: object) =>
      firstValueFrom(client.send(pattern, data)).then(
        (value) => ({ value }),
        (error) => ({ error }),
      );

    beforeAll(async () => {
      let port = 0;
      t = await createTestApp({
        database,
        mode,
        options: { users: ScopedTestUsers },
        host: {
          controllers: [NotesMessages],
          configure: async (app) => {
            const microservice = app.connectMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } });
            await app.startAllMicroservices();
            port = (microservice as any).serverInstance.server.address().port;
          },
        },
      });
      await t.register('alice');
      await t.register('admin-ann');
      const clients = await Test.createTestingModule({
        imports: [ClientsModule.register([{ name: 'NOTES', transport: Transport.TCP, options: { host: '127.0.0.1', port } }])],
      }).compile();
      client = clients.get('NOTES');
      await client.connect();
    });
    afterAll(async () => {
      await client.close();
      await t.close();
    });

    it('answers a message carrying a valid token; the decorators see the user', async () => {
      const { token } = await t.login('alice');
      expect(await send('whoami', { authorization: bearer(token) })).toEqual({ value: { username: 'alice', sessionId: expect.any(String) } });
    });

    it.each([
      ['no token', {}, { error: 'unauthorized' }],
      ['a forged token', { authorization: bearer(FORGED) }, { error: 'invalid_token', reason: 'malformed' }],
      ['another scheme only (as HTTP: no credentials for this module)', { authorization: 'Basic YWxpY2U6cHc=' }, { error: 'unauthorized' }],
    ])('refuses a message with %s: the client gets the RpcException, not a timeout', async (_label, data, fields) => {
      expect(await send('whoami', data)).toEqual({ error: expect.objectContaining({ status: 'error', statusCode: 401, ...fields, message: expect.any(String) }) });
    });

    it('refuses a revoked token', async () => {
      const { token } = await t.login('alice');
      await t.http().post('/auth/logout').set('Authorization', bearer(token)).expect(204);
      expect(await send('whoami', { authorization: bearer(token) })).toEqual({ error: expect.objectContaining({ error: 'invalid_token', reason: 'revoked' }) });
    });

    it('applies @RequireScopes to a message pattern', async () => {
      const alice = await t.login('alice');
      expect(await send('admin', { authorization: bearer(alice.token) })).toEqual({ error: expect.objectContaining({ statusCode: 403, error: 'insufficient_scope', scope: 'admin' }) });
      const admin = await t.login('admin-ann');
      expect(await send('admin', { authorization: bearer(admin.token) })).toEqual({ value: 'admin ok' });
    });

    it('guards event patterns: only the authenticated event is handled', async () => {
      const { token } = await t.login('alice');
      const handled = t.app.get(NotesMessages).events;
      await firstValueFrom(client.emit('note-added', { text: 'refused', authorization: bearer(FORGED) }), { defaultValue: undefined });
      await firstValueFrom(client.emit('note-added', { text: 'kept', authorization: bearer(token) }), { defaultValue: undefined });
      // TCP delivers in order, but an event handler is not awaited by the next message: the guard's
      // database read can finish after a later request is answered. Wait for the kept event; the
      // forged one is refused before any database read, so it has been settled by then.
      const deadline = Date.now() + 5000;
      while (handled.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await send('whoami', { authorization: bearer(token) });
      expect(handled).toEqual(['alice: kept']);
    });

    it('leaves the host\'s own RpcException as Nest answers it', async () => {
      expect(await send('host-error', {})).toEqual({ error: { host: true, code: 'HOST' } });
    });
  });
});
