import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { issueTestToken } from '../../lib';
import { hostModule, People, Person } from './host-app';

async function start(globalGuard: boolean): Promise<INestApplication> {
  const app = (await Test.createTestingModule({ imports: [hostModule(globalGuard)] }).compile()).createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe.each([true, false])('real tokens for test users, over an in-memory token database (globalGuard: %s)', (globalGuard) => {
  let app: INestApplication;
  let ada: Person;
  let root: Person;

  beforeAll(async () => {
    app = await start(globalGuard);
    const people = app.get(People).repository;
    [ada, root] = await people.save([people.create({ name: 'ada' }), people.create({ name: 'root' })]);
  });
  afterAll(() => app.close());

  it('issueTestToken gives a working Authorization header, as a login would', async () => {
    const { authorization, refreshToken, sessionId, scopes } = await issueTestToken(app, ada);
    expect(refreshToken).toMatch(/^ntk_rt_/);
    expect(scopes).toEqual(['notes']);
    const notes = await request(app.getHttpServer()).get('/notes').set('Authorization', authorization);
    expect(notes.status).toBe(200);
    expect(notes.body).toEqual({ owner: 'ada', session: sessionId, scopes: ['notes'] });
  });

  it('grants only the scopes the user provider allows', async () => {
    const asked = await issueTestToken(app, ada, { scopes: ['admin'] });
    expect(asked.scopes).toEqual([]);
    expect((await request(app.getHttpServer()).get('/admin').set('Authorization', asked.authorization)).status).toBe(403);
    const admin = await issueTestToken(app, root, { scopes: ['admin'] });
    expect((await request(app.getHttpServer()).get('/admin').set('Authorization', admin.authorization)).status).toBe(200);
  });

  it('@CurrentToken() returned whole carries no digest, hashing key id or key id', async () => {
    const { authorization, sessionId } = await issueTestToken(app, ada, { name: 'ci' });
    const whoami = await request(app.getHttpServer()).get('/whoami').set('Authorization', authorization);
    expect(whoami.status).toBe(200);
    expect(whoami.body.session).toMatchObject({ sessionId, userId: String(ada.id), kind: 'access', name: 'ci' });
    expect(JSON.stringify(whoami.body)).not.toMatch(/digest|hashKeyId|keyId/);
  });

  it('each app has its own in-memory database: a token from one is unknown to another', async () => {
    const other = await start(globalGuard);
    try {
      const { authorization } = await issueTestToken(app, ada);
      const refused = await request(other.getHttpServer()).get('/notes').set('Authorization', authorization);
      expect(refused.status).toBe(401);
      expect(refused.body.reason).toBe('unknown');
    } finally {
      await other.close();
    }
  });
});
