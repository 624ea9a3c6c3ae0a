import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { CurrentUser, Public, TokenAuthEvent, TokenAuthModule, TokenAuthService } from '../../lib';
import { PASSWORD, TEST_SECRET, TestUser, TestUsers } from '../support/test-app';
import * as bcrypt from 'bcrypt';

@Controller()
class GloballyGuardedController {
  @Get('private')
  secret(@CurrentUser() user: TestUser) {
    return { username: user.username };
  }

  @Public()
  @Get('public')
  open() {
    return { ok: true };
  }
}

@Injectable()
class Settings {
  readonly secret = TEST_SECRET;
}

@Module({ providers: [Settings], exports: [Settings] })
class SettingsModule {}

@Injectable()
class ReuseListener {
  readonly seen: TokenAuthEvent[] = [];
  @OnEvent('token-auth.*')
  record(event: TokenAuthEvent) {
    this.seen.push(event);
  }
}

async function boot(tokenAuth: ReturnType<typeof TokenAuthModule.forRoot>) {
  const moduleRef = await Test.createTestingModule({
    imports: [
      TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', autoLoadEntities: true, synchronize: true }),
      TypeOrmModule.forFeature([TestUser]),
      EventEmitterModule.forRoot({ wildcard: true }),
      SettingsModule,
      tokenAuth,
    ],
    providers: [TestUsers, ReuseListener],
    controllers: [GloballyGuardedController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const users = app.get(TestUsers);
  await users.repository.save(users.repository.create({ username: 'lena', passwordHash: await bcrypt.hash(PASSWORD, 4) }));
  return app;
}

describe('module wiring', () => {
  it('forRootAsync with inject, a custom route prefix and table, a global guard with @Public(), and event-emitter events', async () => {
    const app = await boot(
      TokenAuthModule.forRootAsync({
        imports: [SettingsModule],
        inject: [Settings],
        useFactory: (settings: Settings) => ({ mode: 'rotate', users: TestUsers, secrets: settings.secret }),
        routePrefix: 'api/session',
        tableName: 'my_tokens',
        globalGuard: true,
      }),
    );
    try {
      const http = request(app.getHttpServer());
      expect((await http.get('/public')).status).toBe(200);
      expect((await http.get('/private')).status).toBe(401);
      expect((await http.post('/auth/login').send({ username: 'lena', password: PASSWORD })).status).toBe(404);
      const login = await http.post('/api/session/login').send({ username: 'lena', password: PASSWORD });
      expect(login.status).toBe(200);
      expect((await http.get('/private').set('Authorization', `Bearer ${login.body.token}`)).body).toEqual({ username: 'lena' });
      const rows = await app.get(TokenAuthService).sessions(String(login.body.user.id), null);
      expect(rows).toHaveLength(1);
      expect((await http.post('/api/session/refresh').send({ refreshToken: login.body.refreshToken })).status).toBe(200);
      const events = app.get(ReuseListener).seen.map((e) => e.type);
      expect(events).toEqual(['issued', 'rotated']);
      const { DataSource } = await import('typeorm');
      expect(Number((await app.get(DataSource).query('SELECT COUNT(*) AS n FROM my_tokens'))[0].n)).toBe(4);
    } finally {
      await app.close();
    }
  });

  it.each([
    [{ mode: 'sliding' }, 'option "mode"'],
    [{ secrets: 'too-short' }, 'option "secrets"'],
    [{ ttl: -1 }, 'option "ttl"'],
  ])('fails the boot on a bad option (%j) with a message naming it', async (override, message) => {
    await expect(boot(TokenAuthModule.forRoot({ mode: 'extend', users: TestUsers, secrets: TEST_SECRET, ...(override as object) } as any))).rejects.toThrow(message);
  });

  it('fails at declaration on a bad table name', () => {
    expect(() => TokenAuthModule.forRoot({ mode: 'extend', users: TestUsers, secrets: TEST_SECRET, tableName: 'drop table;' })).toThrow('option "tableName"');
  });

  it('serves the service without HTTP: login, authenticate, revoke', async () => {
    const app = await boot(TokenAuthModule.forRoot({ mode: 'extend', users: TestUsers, secrets: TEST_SECRET, routePrefix: false }));
    try {
      const auth = app.get(TokenAuthService);
      const user = (await auth.verifyCredentials('lena', PASSWORD)) as TestUser;
      const login = await auth.login(user, { name: 'cli' });
      const authenticated = await auth.authenticate(login.token);
      expect((authenticated.user as TestUser).username).toBe('lena');
      expect(await auth.revokeAllForUser(String(user.id), 'admin')).toBe(1);
      await expect(auth.authenticate(login.token)).rejects.toMatchObject({ reason: 'revoked' });
      expect((await request(app.getHttpServer()).post('/auth/login').send({})).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});
