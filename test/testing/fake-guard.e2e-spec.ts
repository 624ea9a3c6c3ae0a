import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { fakeTokenAuthGuard, TokenAuthGuard } from '../../lib';
import { hostModule, Person } from './host-app';

const ada: Person = { id: 7, name: 'ada' };

describe.each([true, false])('replacing the guard with a fake user (globalGuard: %s)', (globalGuard) => {
  let app: INestApplication | undefined;
  afterEach(() => app?.close());

  async function start(guard?: TokenAuthGuard | ReturnType<typeof fakeTokenAuthGuard>) {
    let builder = Test.createTestingModule({ imports: [hostModule(globalGuard)] });
    if (guard) builder = builder.overrideGuard(TokenAuthGuard).useValue(guard);
    app = (await builder.compile()).createNestApplication({ logger: false });
    await app.init();
    return request(app.getHttpServer());
  }

  it('without the fake, the routes are closed (the control)', async () => {
    expect((await (await start()).get('/notes')).status).toBe(401);
  });

  it('fills @CurrentUser() and @CurrentToken() with the fake user', async () => {
    const notes = await (await start(fakeTokenAuthGuard(ada))).get('/notes');
    expect(notes.status).toBe(200);
    expect(notes.body).toEqual({ owner: 'ada', session: expect.any(String), scopes: [] });
  });

  it('honours @RequireScopes: 403 insufficient_scope without the scope, 200 with it', async () => {
    const refused = await (await start(fakeTokenAuthGuard(ada))).get('/admin');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('insufficient_scope');
    expect(refused.headers['www-authenticate']).toMatch(/error="insufficient_scope", error_description="[^"]+", scope="admin"/);
    await app!.close();
    const allowed = await (await start(fakeTokenAuthGuard(ada, { scopes: ['admin'] }))).get('/admin');
    expect(allowed.status).toBe(200);
  });

  it('sets the session fields a test asks for', async () => {
    const whoami = await (await start(fakeTokenAuthGuard(ada, { userId: 'u-7', session: { sessionId: 's-1', name: 'laptop' } }))).get('/whoami');
    expect(whoami.body).toMatchObject({ user: ada, session: { userId: 'u-7', sessionId: 's-1', name: 'laptop', kind: 'access' }, expiresAt: null });
  });

  it('with no user: 401 with the bare challenge on guarded routes, @Public() routes open', async () => {
    const http = await start(fakeTokenAuthGuard(null));
    const refused = await http.get('/notes');
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect((await http.get('/health')).status).toBe(200);
  });
});
