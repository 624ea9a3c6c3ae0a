import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../sample-app/app.module';
import { configureApp } from '../../sample-app/app.setup';
import { readConfig } from '../../sample-app/config';
import { generateKeyPair, generateProof } from './dpop-client';

/** `DPOP=required` turns DPoP on in the sample app, as a user would try it from outside. */
describe('the sample app with DPOP=required', () => {
  let app: NestExpressApplication;
  let url: string;

  beforeAll(async () => {
    const config = readConfig({ AUTH_MODE: 'rotate', DATABASE_URL: 'sqlite::memory:', TOKEN_SECRET: 'sample-app-test-secret-Xq7Rw2Mz9Kv4Tn1Bh8', DPOP: 'required' });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forConfig(config)] }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
    configureApp(app, config);
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(() => app.close());

  it('refuses an invalid DPOP value at boot, naming it', () => {
    expect(() => readConfig({ DPOP: 'yes' })).toThrow(/DPOP must be "off", "optional" or "required"/);
  });

  it('binds a login to the key and serves /me only with its proofs', async () => {
    await request(url).post('/users').send({ username: 'sam', password: 'a long sample password' }).expect(201);
    const key = await generateKeyPair('ES256');
    expect((await request(url).post('/auth/login').send({ username: 'sam', password: 'a long sample password' })).status).toBe(400);
    const login = await request(url).post('/auth/login').set('DPoP', await generateProof(key, `${url}/auth/login`, 'POST')).send({ username: 'sam', password: 'a long sample password' });
    expect(login.status).toBe(200);
    const me = await request(url).get('/me').set('Authorization', `DPoP ${login.body.token}`).set('DPoP', await generateProof(key, `${url}/me`, 'GET', undefined, login.body.token));
    expect(me.body).toEqual({ id: expect.any(Number), username: 'sam' });
    expect((await request(url).get('/me').set('Authorization', `Bearer ${login.body.token}`)).body.reason).toBe('dpop_bound');
  });
});
