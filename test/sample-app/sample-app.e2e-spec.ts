import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../sample-app/app.module';
import { ConfigError, readConfig } from '../../sample-app/config';
import { configureApp } from '../../sample-app/app.setup';
import { CapturingLogger } from '../support/test-app';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { SQLITE_SAFETY_CHECKPOINT_PAGES } from '../../sample-app/sqlite-checkpointer';

const INTROSPECTION_KEY = 'resource-server-key-0123456789';

describe('the sample app', () => {
  describe.each(['extend', 'rotate'] as const)('%s mode on SQLite in memory', (mode) => {
    let app: INestApplication;
    const logs = new CapturingLogger();
    const http = () => request(app.getHttpServer());

    beforeAll(async () => {
      const config = readConfig({
        AUTH_MODE: mode,
        DATABASE_URL: 'sqlite::memory:',
        TOKEN_SECRET: 'sample-app-test-secret-Xq7Rw2Mz9Kv4Tn1Bh8',
        REUSE_GRACE: '0',
        INTROSPECTION_KEY: INTROSPECTION_KEY,
        DOCS: '1',
      });
      const moduleRef = await Test.createTestingModule({ imports: [AppModule.forConfig(config)] }).compile();
      app = moduleRef.createNestApplication<NestExpressApplication>({ logger: logs });
      configureApp(app as NestExpressApplication, config);
      await app.init();
    });
    afterAll(() => app.close());

    it('registers users, serves /health and a guarded /me', async () => {
      expect((await http().get('/health')).body).toEqual({ status: 'ok' });
      const created = await http().post('/users').send({ username: 'wendy', password: 'wendy-password' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ id: expect.any(Number), username: 'wendy' });
      expect((await http().post('/users').send({ username: 'wendy', password: 'wendy-password' })).status).toBe(409);
      expect((await http().post('/users').send({ username: 'xavier', password: 'short' })).body).toMatchObject({ error: 'invalid_request', field: 'password' });
      const login = await http().post('/auth/login').send({ username: 'wendy', password: 'wendy-password' });
      expect(login.body.user).toEqual({ id: created.body.id, username: 'wendy' });
      expect((await http().get('/me').set('Authorization', `Bearer ${login.body.token}`)).body).toEqual({ id: created.body.id, username: 'wendy' });
      expect((await http().get('/me')).status).toBe(401);
    });

    it('serves OpenAPI docs at /docs covering the token routes', async () => {
      expect((await http().get('/docs')).status).toBe(200);
      const spec = (await http().get('/docs-json')).body;
      expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/auth/login', '/auth/refresh', '/auth/tokens/{id}', '/me', '/users']));
      expect(spec.paths['/auth/login'].post.requestBody.content['application/json'].schema.required).toEqual(['username', 'password']);
      expect(spec.paths['/auth/token'].get.security).toEqual([{ bearer: [] }]);
    });

    it('grants me:read and me:write; a me:read-only token cannot change the password (403 insufficient_scope)', async () => {
      await http().post('/users').send({ username: 'reader', password: 'reader-password' });
      const full = (await http().post('/auth/login').send({ username: 'reader', password: 'reader-password' })).body;
      expect(full.scope).toBe('me:read me:write');
      const readOnly = (await http().post('/auth/login').send({ username: 'reader', password: 'reader-password', scope: 'me:read' })).body;
      expect(readOnly.scope).toBe('me:read');
      const refused = await http().post('/me/password').set('Authorization', `Bearer ${readOnly.token}`).send({ currentPassword: 'reader-password', password: 'another-password' });
      expect(refused.status).toBe(403);
      expect(refused.headers['www-authenticate']).toContain('error="insufficient_scope"');
    });

    it('introspects tokens for callers holding INTROSPECTION_KEY only', async () => {
      await http().post('/users').send({ username: 'probe', password: 'probe-password' });
      const login = (await http().post('/auth/login').send({ username: 'probe', password: 'probe-password' })).body;
      const allowed = await http().post('/auth/introspect').set('Authorization', `Bearer ${INTROSPECTION_KEY}`).send({ token: login.token });
      expect(allowed.body).toMatchObject({ active: true, sub: String(login.user.id), scope: 'me:read me:write', token_type: 'access_token' });
      expect((await http().post('/auth/introspect').set('Authorization', 'Bearer nope').send({ token: login.token })).status).toBe(401);
    });

    it('POST /me/password changes the password and logs out every other session', async () => {
      await http().post('/users').send({ username: 'xena', password: 'xena-password' });
      const keep = (await http().post('/auth/login').send({ username: 'xena', password: 'xena-password' })).body;
      const other = (await http().post('/auth/login').send({ username: 'xena', password: 'xena-password' })).body;
      const changed = await http().post('/me/password').set('Authorization', `Bearer ${keep.token}`).send({ currentPassword: 'xena-password', password: 'new-xena-password' });
      expect(changed.status).toBe(204);
      expect((await http().get('/me').set('Authorization', `Bearer ${other.token}`)).body.reason).toBe('revoked');
      expect((await http().get('/me').set('Authorization', `Bearer ${keep.token}`)).status).toBe(200);
      expect((await http().post('/auth/login').send({ username: 'xena', password: 'xena-password' })).status).toBe(401);
      expect((await http().post('/auth/login').send({ username: 'xena', password: 'new-xena-password' })).status).toBe(200);
    });

    if (mode === 'rotate') {
      it('logs refresh-token reuse (ids only, never a token)', async () => {
        await http().post('/users').send({ username: 'yuri', password: 'yuri-password' });
        const login = (await http().post('/auth/login').send({ username: 'yuri', password: 'yuri-password' })).body;
        await http().post('/auth/refresh').send({ refreshToken: login.refreshToken });
        await new Promise((resolve) => setTimeout(resolve, 5));
        expect((await http().post('/auth/refresh').send({ refreshToken: login.refreshToken })).body.reason).toBe('reused');
        const line = logs.lines.find((l) => l.includes('reuse detected'));
        expect(line).toMatch(/refresh token reuse detected: user \d+, session [0-9a-f-]{36} revoked/);
        expect(logs.lines.join('\n')).not.toContain(login.refreshToken.slice(7));
      });
    }
  });

  it.each([
    [{ AUTH_MODE: 'sliding' }, 'AUTH_MODE'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ ACCESS_TTL: '-5' }, 'ACCESS_TTL'],
    [{ REUSE_GRACE: '1.5' }, 'REUSE_GRACE'],
    [{ DATABASE_URL: 'oracle://x' }, 'DATABASE_URL'],
    [{ TOKEN_SECRET: 'short' }, 'TOKEN_SECRET'],
    [{ TOKEN_LIMIT_PER_USER: '0' }, 'TOKEN_LIMIT_PER_USER'],
    [{ TRUST_PROXY: 'yes' }, 'TRUST_PROXY'],
    [{ AUTH_COOKIE: 'true' }, 'AUTH_COOKIE'],
    [{ INTROSPECTION_KEY: 'short' }, 'INTROSPECTION_KEY'],
    [{ REGISTER_LIMIT: '0' }, 'REGISTER_LIMIT'],
    [{ REGISTER_WINDOW: 'hour' }, 'REGISTER_WINDOW'],
    [{ DOCS: 'yes' }, 'DOCS'],
    [{ NODE_ENV: 'production' }, 'TOKEN_SECRET'],
  ])('refuses to boot on %j, naming the variable', (env, name) => {
    expect(() => readConfig(env as NodeJS.ProcessEnv)).toThrow(ConfigError);
    expect(() => readConfig(env as NodeJS.ProcessEnv)).toThrow(name);
  });

  it('checkpoints a file database on a worker thread, not in the commits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nta-checkpoint-'));
    const file = join(dir, 'app.sqlite');
    const config = readConfig({ AUTH_MODE: 'extend', DATABASE_URL: `sqlite:${file}`, TOKEN_SECRET: 'sample-app-test-secret-Xq7Rw2Mz9Kv4Tn1Bh8', LOGIN_LIMIT: '1000' });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forConfig(config)] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const dataSource = app.get(DataSource);
      // Far below the commit-time mark, so only the worker can move these pages into the database file.
      expect((await dataSource.query('PRAGMA wal_autocheckpoint'))[0].wal_autocheckpoint).toBe(SQLITE_SAFETY_CHECKPOINT_PAGES);
      await new Promise((resolve) => setTimeout(resolve, 700));
      const before = statSync(file).size;
      const http = () => request(app.getHttpServer());
      await http().post('/users').send({ username: 'walter', password: 'walter-password' });
      for (let i = 0; i < 40; i++) {
        expect((await http().post('/auth/login').send({ username: 'walter', password: 'walter-password', name: 'x'.repeat(90) })).status).toBe(200);
      }
      let after = statSync(file).size;
      for (let waited = 0; after === before && waited < 5000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = statSync(file).size;
      }
      expect(after).toBeGreaterThan(before);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with AUTH_COOKIE=1 carries the refresh token in an HttpOnly cookie (rotate)', async () => {
    const config = readConfig({ AUTH_MODE: 'rotate', DATABASE_URL: 'sqlite::memory:', TOKEN_SECRET: 'sample-app-test-secret-Xq7Rw2Mz9Kv4Tn1Bh8', AUTH_COOKIE: '1' });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forConfig(config)] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const http = () => request(app.getHttpServer());
      await http().post('/users').send({ username: 'cookie', password: 'cookie-password' });
      const login = await http().post('/auth/login').set('X-Requested-With', 'fetch').send({ username: 'cookie', password: 'cookie-password' });
      expect(login.body.refreshToken).toBeUndefined();
      const cookie = String(login.headers['set-cookie']).split(';')[0];
      expect(cookie).toMatch(/^__Secure-nta_refresh=ntk_rt_/);
      expect((await http().post('/auth/refresh').set('Cookie', cookie).set('X-Requested-With', 'fetch')).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
