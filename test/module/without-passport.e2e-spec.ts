import { Controller, Get, INestApplication, Module, UseGuards } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { AuthenticatedToken, CurrentToken, CurrentUser, TokenAuthGuard, TokenAuthModule, TokenAuthUserProvider } from '../../lib';

// As on a Nest 11 host with @nestjs/passport 12 (an ES module) under Jest, or with Passport not installed:
// any attempt to load these packages throws.
jest.mock('@nestjs/passport', () => {
  throw new SyntaxError("Unexpected token 'export'");
});
jest.mock('passport-custom', () => {
  throw new Error("Cannot find module 'passport-custom'");
});
jest.mock('passport', () => {
  throw new Error("Cannot find module 'passport'");
});

const SECRET = 'without-passport-Jq8Vm3Xt6Rk1Wz9Bn4Lc7Hf2';
interface Person {
  id: number;
  name: string;
}
const people: Person[] = [{ id: 1, name: 'ada' }];
const users: TokenAuthUserProvider<Person> = {
  findById: (id) => people.find((p) => String(p.id) === id) ?? null,
  verifyCredentials: (name, password) => (password === 'pw' ? (people.find((p) => p.name === name) ?? null) : null),
};

@Controller()
class NotesController {
  @Get('notes')
  @UseGuards(TokenAuthGuard)
  notes(@CurrentUser() user: Person, @CurrentToken() token: AuthenticatedToken<Person>) {
    return { owner: user.name, session: token.session.sessionId };
  }
}

async function boot(passportStrategy?: boolean): Promise<INestApplication> {
  @Module({
    imports: [
      TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', autoLoadEntities: true, synchronize: true }),
      TokenAuthModule.forRoot({ mode: 'extend', users, secrets: SECRET, passportStrategy }),
    ],
    controllers: [NotesController],
  })
  class HostModule {}
  const moduleRef = await Test.createTestingModule({ imports: [HostModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('a host without @nestjs/passport', () => {
  it('loads the package, and with passportStrategy: false TokenAuthGuard works', async () => {
    expect(() => require('@nestjs/passport')).toThrow("Unexpected token 'export'");
    const app = await boot(false);
    try {
      const http = request(app.getHttpServer());
      expect((await http.get('/notes')).status).toBe(401);
      const login = await http.post('/auth/login').send({ username: 'ada', password: 'pw' });
      expect(login.status).toBe(200);
      const notes = await http.get('/notes').set('Authorization', `Bearer ${login.body.token}`);
      expect(notes.status).toBe(200);
      expect(notes.body).toEqual({ owner: 'ada', session: expect.any(String) });
      expect((await http.post('/auth/logout').set('Authorization', `Bearer ${login.body.token}`)).status).toBe(204);
      expect((await http.get('/notes').set('Authorization', `Bearer ${login.body.token}`)).body.reason).toBe('revoked');
    } finally {
      await app.close();
    }
  });

  it('fails the declaration with the fix when the strategy is on (the default)', () => {
    expect(() => TokenAuthModule.forRoot({ mode: 'extend', users, secrets: SECRET })).toThrow(
      /the Passport strategy needs @nestjs\/passport and passport-custom, which could not be loaded \(Unexpected token 'export'\): install them, or pass passportStrategy: false/,
    );
  });
});
