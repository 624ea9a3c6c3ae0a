import { Controller, DynamicModule, Get, Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { Public, TokenAuthModule, TokenAuthModuleOptions } from '../../lib';
import { TEST_SECRET, TestUser, TestUsers } from '../support/test-app';

@Controller()
class SecretController {
  @Get('secret')
  secret() {
    return { secret: 42 };
  }

  @Public()
  @Get('open')
  open() {
    return { ok: true };
  }
}

const base: TokenAuthModuleOptions = { mode: 'extend', users: TestUsers, secrets: TEST_SECRET };

/** Boots a real app around `tokenAuth`; resolves to the HTTP status of GET /secret. */
async function boot(tokenAuth: () => DynamicModule): Promise<number> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', autoLoadEntities: true, synchronize: true }),
      TypeOrmModule.forFeature([TestUser]),
      tokenAuth(),
    ],
    providers: [TestUsers],
    controllers: [SecretController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  try {
    await app.init();
    return (await request(app.getHttpServer()).get('/secret')).status;
  } finally {
    await app.close();
  }
}

/** An introspection policy written as a class: its other members are not option keys. */
@Injectable()
class IntrospectionPolicy {
  readonly header = 'x-internal';
  authorize(request: { headers: Record<string, unknown> }) {
    return request.headers[this.header] === 'yes';
  }
}

describe('options in the wrong place fail the boot with a message naming them', () => {
  it.each([
    ['globalGuard', true],
    ['routePrefix', 'api/auth'],
    ['tableName', 'my_tokens'],
    ['isGlobal', true],
    ['dataSource', 'tokens'],
    ['passportStrategy', false],
  ])('"%s" in a forRootAsync factory result', async (key, value) => {
    const run = boot(() => TokenAuthModule.forRootAsync({ useFactory: () => ({ ...base, [key]: value }) }));
    await expect(run).rejects.toThrow(
      `TokenAuthModule: "${key}" is a declaration-time option and is ignored in a factory result: pass it to forRootAsync({ ${key}: ${JSON.stringify(value)}, useFactory })`,
    );
  });

  it('a useClass options factory returning globalGuard', async () => {
    @Injectable()
    class OptionsFactory {
      create() {
        return { ...base, globalGuard: true };
      }
    }
    await expect(boot(() => TokenAuthModule.forRootAsync({ useClass: OptionsFactory }))).rejects.toThrow('"globalGuard" is a declaration-time option');
  });

  it.each([
    [{ ttll: 60 }, 'unknown option "ttll" (did you mean "ttl"?)'],
    [{ TTL: 60 }, 'unknown option "TTL" (did you mean "ttl"?)'],
    [{ refreshTTL: 60 }, 'unknown option "refreshTTL" (did you mean "refreshTtl"?)'],
    [{ expires: 60 }, 'unknown option "expires"'],
    [{ throttle: { logins: false } }, 'unknown option "throttle.logins" (did you mean "throttle.login"?)'],
    [{ cookie: { samesite: 'Lax' } }, 'unknown option "cookie.samesite" (did you mean "cookie.sameSite"?)'],
    [{ cache: { tll: 10 } }, 'unknown option "cache.tll" (did you mean "cache.ttl"?)'],
    [{ introspection: { authorise: () => true, authorize: () => true } }, 'unknown option "introspection.authorise" (did you mean "introspection.authorize"?)'],
  ])('unknown key %j, in a factory result and in forRoot from plain JavaScript', async (extra, message) => {
    await expect(boot(() => TokenAuthModule.forRootAsync({ useFactory: () => ({ ...base, ...extra }) as TokenAuthModuleOptions }))).rejects.toThrow(`TokenAuthModule: ${message}`);
    await expect(boot(() => TokenAuthModule.forRoot({ ...base, ...extra } as TokenAuthModuleOptions))).rejects.toThrow(`TokenAuthModule: ${message}`);
  });

  it('a module option beside useFactory (Nest would take it as an extra and drop it)', () => {
    const declare = () => TokenAuthModule.forRootAsync({ useFactory: () => base, ttl: 60 } as Parameters<typeof TokenAuthModule.forRootAsync>[0]);
    expect(declare).toThrow('TokenAuthModule: unknown option "ttl" in forRootAsync() (module options belong in the factory result)');
  });

  it('a declaration-time flag that is not a boolean', () => {
    expect(() => TokenAuthModule.forRoot({ ...base, globalGuard: 'yes' } as never)).toThrow('option "globalGuard" must be true or false (got "yes")');
  });
});

describe('valid configurations still boot', () => {
  it('forRootAsync with globalGuard beside useFactory guards every route', async () => {
    expect(await boot(() => TokenAuthModule.forRootAsync({ globalGuard: true, useFactory: () => base }))).toBe(401);
  });

  it('forRoot with every extra and nested objects spelled right', async () => {
    const status = await boot(() =>
      TokenAuthModule.forRoot({
        ...base,
        ttl: undefined,
        throttle: { login: { limit: 5, window: 60 }, refresh: false },
        cookie: { name: 'sid', secure: false, sameSite: 'Lax' },
        cache: { ttl: 2, max: 100 },
        introspection: new IntrospectionPolicy(),
        globalGuard: true,
        routePrefix: 'session',
        tableName: 'placed_tokens',
        isGlobal: true,
        passportStrategy: false,
      }),
    );
    expect(status).toBe(401);
  });

  it('without a global guard the route is open, as declared', async () => {
    expect(await boot(() => TokenAuthModule.forRootAsync({ useFactory: async () => ({ ...base, introspection: false }) }))).toBe(200);
  });
});
