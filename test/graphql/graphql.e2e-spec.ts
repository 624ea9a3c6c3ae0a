import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Client, createClient } from 'graphql-ws';
import request from 'supertest';
import WebSocket from 'ws';
import { selectedDatabases } from '../support/databases';
import { bearer, createTestApp, MODES, ScopedTestUsers, TestApp } from '../support/test-app';
import { graphqlModule, NotesResolver } from './app.module';

const FORGED = `ntk_at_${'A'.repeat(50)}`;
const ME = '{ me { id username sessionId } }';

/** A graphql-ws client that reports its first result and how its socket closed. */
function subscribe(url: string, connectionParams: Record<string, unknown>) {
  let onClosed!: (event: { code: number; reason: string; at: number }) => void;
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => (onClosed = resolve));
  const client: Client = createClient({
    url: url.replace('http', 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    on: { closed: (event: any) => onClosed({ code: event.code, reason: event.reason, at: Date.now() }) },
    onNonLazyError: () => undefined,
  });
  const first = new Promise<any>((resolve) => {
    client.subscribe({ query: 'subscription { greetings }' }, { next: resolve, error: (error) => resolve({ error }), complete: () => undefined });
  });
  return { client, first, closed };
}

describe.each(selectedDatabases())('GraphQL (Apollo on Express, graphql-ws) on %s', (database) => {
  describe.each(MODES)('%s mode', (mode) => {
    let t: TestApp;
    const gql = (query: string, token?: string) => {
      const call = t.http().post('/graphql').send({ query });
      return token ? call.set('Authorization', bearer(token)) : call;
    };

    beforeAll(async () => {
      t = await createTestApp({
        database,
        mode,
        options: { users: ScopedTestUsers },
        extras: { isGlobal: true },
        host: { imports: [graphqlModule(true)], providers: [NotesResolver] },
      });
      await t.register('alice');
      await t.register('admin-ann');
    });
    afterAll(() => t.close());

    it('answers a query with a valid token; @CurrentUser and @CurrentToken see the session', async () => {
      const login = await t.login('alice');
      const response = await gql(ME, login.token);
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.me).toEqual({ id: login.user.id, username: 'alice', sessionId: expect.any(String) });
      expect(response.headers['x-token-expiry']).toBe(login.expiry);
    });

    it('refuses a query without a token: UNAUTHENTICATED, error unauthorized, bare challenge on the HTTP response', async () => {
      const response = await gql(ME);
      expect(response.body.data).toBeNull();
      expect(response.body.errors).toHaveLength(1);
      expect(response.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', error: 'unauthorized', status: 401 });
      expect(response.body.errors[0].message).toBe('Authentication credentials were not provided.');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
    });

    it('refuses a forged token: UNAUTHENTICATED, invalid_token, malformed', async () => {
      const response = await gql(ME, FORGED);
      expect(response.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', error: 'invalid_token', reason: 'malformed' });
      expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/);
    });

    it('refuses a revoked token: UNAUTHENTICATED, invalid_token, revoked', async () => {
      const { token } = await t.login('alice');
      await t.http().post('/auth/logout').set('Authorization', bearer(token)).expect(204);
      const response = await gql(ME, token);
      expect(response.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', error: 'invalid_token', reason: 'revoked' });
    });

    it('applies @RequireScopes on a resolver: FORBIDDEN insufficient_scope without the scope, data with it', async () => {
      const alice = await t.login('alice');
      const refused = await gql('{ adminOnly }', alice.token);
      expect(refused.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', error: 'insufficient_scope', scope: 'admin', status: 403 });
      expect(refused.headers['www-authenticate']).toMatch(/error="insufficient_scope", error_description="[^"]+", scope="admin"/);
      const admin = await t.login('admin-ann');
      const allowed = await gql('{ adminOnly }', admin.token);
      expect(allowed.body).toEqual({ data: { adminOnly: 'admin ok' } });
    });

    it('guards mutations the same way', async () => {
      const { token } = await t.login('alice');
      expect((await gql('mutation { addNote(text: "hi") }', token)).body).toEqual({ data: { addNote: 'alice: hi' } });
      const refused = await gql('mutation { addNote(text: "hi") }', FORGED);
      expect(refused.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', error: 'invalid_token' });
    });

    it('authenticates a subscription on connection_init and delivers to the user', async () => {
      const { token } = await t.login('alice');
      const { client, first } = subscribe(t.url, { authorization: bearer(token) });
      expect(await first).toEqual({ data: { greetings: 'hello alice' } });
      await client.dispose();
    });

    it.each([
      ['no token', {}, 4401, 'unauthorized'],
      ['a forged token', { authorization: bearer(FORGED) }, 4401, 'invalid_token: malformed'],
    ])('closes a subscription connection with %s (4401, the refusal as reason)', async (_label, params, code, reason) => {
      const { closed } = subscribe(t.url, params);
      expect(await closed).toMatchObject({ code, reason });
    });

    it('closes a subscription connection whose token was revoked before it connected', async () => {
      const { token } = await t.login('alice');
      await t.http().post('/auth/logout').set('Authorization', bearer(token)).expect(204);
      const { closed } = subscribe(t.url, { authorization: bearer(token) });
      expect(await closed).toMatchObject({ code: 4401, reason: 'invalid_token: revoked' });
    });

    it('disconnects an open subscription within a second of its session being revoked', async () => {
      const { token } = await t.login('alice');
      const { first, closed } = subscribe(t.url, { authorization: bearer(token) });
      await first;
      const revokedAt = Date.now();
      await t.http().post('/auth/logout').set('Authorization', bearer(token)).expect(204);
      const close = await closed;
      expect(close).toMatchObject({ code: 4401, reason: 'invalid_token: revoked' });
      expect(close.at - revokedAt).toBeLessThan(1000);
    });

    it('leaves the host resolvers\' own errors exactly as Apollo answers them without the module', async () => {
      const baseline = await graphqlOnlyApp();
      try {
        for (const query of ['{ hostGraphqlError }', '{ hostHttpError }']) {
          const ours = await gql(query);
          const theirs = await request(baseline.url).post('/graphql').send({ query });
          expect(ours.status).toBe(theirs.status);
          expect(ours.body).toEqual(theirs.body);
          expect(ours.headers['www-authenticate']).toBeUndefined();
          expect(ours.headers['cache-control']).toBe(theirs.headers['cache-control']);
        }
      } finally {
        await baseline.app.close();
      }
    });
  });
});

/** The same resolvers in an app without nest-token-auth: the reference for the host's own errors. */
async function graphqlOnlyApp(): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({ imports: [graphqlModule(false)], providers: [NotesResolver] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}
