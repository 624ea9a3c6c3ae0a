import { Controller, Get, INestApplication, Injectable, LoggerService, Module, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { Test } from '@nestjs/testing';
import { InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import * as bcrypt from 'bcrypt';
import request from 'supertest';
import { Column, DataSource, DataSourceOptions, Entity, PrimaryGeneratedColumn, Repository } from 'typeorm';
import { Clock, CurrentUser, RequireScopes, TOKEN_AUTH_STRATEGY, TokenAuthGuard, TokenAuthModule, TokenAuthModuleExtras, TokenAuthModuleOptions, TokenAuthUserProvider } from '../../lib';
import { createTestDatabase, DatabaseName, TestDatabase } from './databases';

export const MODES = ['extend', 'rotate'] as const;
export type Mode = (typeof MODES)[number];
export const TEST_SECRET = 'kR7vN2qX9mZ4tB8wL1cF6yH3pJ0sD5gA-test';
export const PASSWORD = 'correct horse battery';

/** A clock the test moves by hand, so expiry tests need no sleeps. */
export class TestClock implements Clock {
  constructor(public ms = Date.UTC(2030, 0, 1)) {}
  now(): number {
    return this.ms;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

@Entity('test_users')
export class TestUser {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 150, unique: true })
  username: string;

  @Column({ type: 'varchar', length: 100 })
  passwordHash: string;
}

@Injectable()
export class TestUsers implements TokenAuthUserProvider<TestUser> {
  constructor(@InjectRepository(TestUser) readonly repository: Repository<TestUser>) {}

  findById(id: string) {
    return this.repository.findOne({ where: { id: Number(id) } });
  }

  async verifyCredentials(username: string, password: string) {
    const user = await this.repository.findOne({ where: { username } });
    return user && (await bcrypt.compare(password, user.passwordHash)) ? user : null;
  }

  serialize(user: TestUser) {
    return { id: user.id, username: user.username };
  }
}

/** Test users whose tokens may carry scopes: everyone gets notes:read and notes:write, admins also admin. */
@Injectable()
export class ScopedTestUsers extends TestUsers {
  allowedScopes(user: TestUser) {
    return user.username.startsWith('admin') ? ['notes:read', 'notes:write', 'admin'] : ['notes:read', 'notes:write'];
  }
}

@Controller()
class ProtectedController {
  @Get('me')
  @UseGuards(TokenAuthGuard)
  me(@CurrentUser() user: TestUser) {
    return { id: user.id, username: user.username };
  }

  /** The same check through Passport, for hosts that compose strategies. */
  @Get('me/passport')
  @UseGuards(AuthGuard(TOKEN_AUTH_STRATEGY))
  mePassport(@CurrentUser() user: TestUser) {
    return { id: user.id, username: user.username };
  }

  @Get('admin')
  @RequireScopes('admin')
  admin() {
    return { ok: true };
  }
}

/** Keeps every log line so tests can assert what was (never) logged. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(...parts: unknown[]) { this.keep(parts); }
  error(...parts: unknown[]) { this.keep(parts); }
  warn(...parts: unknown[]) { this.keep(parts); }
  debug(...parts: unknown[]) { this.keep(parts); }
  verbose(...parts: unknown[]) { this.keep(parts); }
  private keep(parts: unknown[]) {
    this.lines.push(parts.map((p) => this.format(p)).join(' '));
  }
  protected format(part: unknown): string {
    return part instanceof Error ? `${part.message} ${part.stack}` : typeof part === 'string' ? part : JSON.stringify(part);
  }
}

export interface TestAppSettings {
  /** A database name (a private database is made and dropped), or an existing database to share (left alone). */
  database: DatabaseName | TestDatabase;
  mode: Mode;
  options?: Partial<TokenAuthModuleOptions>;
  extras?: TokenAuthModuleExtras;
  /** Rewrites the connection options (e.g. to go through a fault-injecting proxy). */
  connect?: (options: DataSourceOptions) => DataSourceOptions;
  /** The HTTP platform. Default `'express'`. */
  adapter?: Adapter;
  /** The host's own parts beside the test controller (resolvers, gateways, modules), and set-up before listening. */
  host?: { imports?: any[]; providers?: any[]; controllers?: any[]; configure?: (app: INestApplication) => void | Promise<void> };
}

export const ADAPTERS = ['express', 'fastify'] as const;
export type Adapter = (typeof ADAPTERS)[number];

export interface TestApp {
  app: INestApplication;
  url: string;
  clock: TestClock;
  logs: CapturingLogger;
  dataSource: DataSource;
  database: TestDatabase;
  mode: Mode;
  http(): ReturnType<typeof request>;
  register(username: string, password?: string): Promise<TestUser>;
  login(username: string, extra?: Record<string, unknown>): Promise<LoginBody>;
  close(): Promise<void>;
}

export interface LoginBody {
  token: string;
  expiry: string | null;
  refreshToken?: string;
  refreshExpiry?: string | null;
  scope?: string;
  user: { id: number; username: string };
}

/** A real Nest app on a real database, listening on an ephemeral port of 127.0.0.1. */
export async function createTestApp(settings: TestAppSettings): Promise<TestApp> {
  const shared = typeof settings.database === 'object';
  const database = typeof settings.database === 'object' ? settings.database : await createTestDatabase(settings.database);
  const clock = new TestClock();
  const logs = new CapturingLogger();

  @Module({
    imports: [
      TypeOrmModule.forRoot({ ...(settings.connect ?? ((o) => o))(database.options), autoLoadEntities: true, synchronize: true } as any),
      TypeOrmModule.forFeature([TestUser]),
      TokenAuthModule.forRoot({
        mode: settings.mode,
        users: TestUsers,
        secrets: TEST_SECRET,
        clock,
        throttle: { login: false, refresh: false },
        ...settings.options,
        ...settings.extras,
      } as any),
      ...(settings.host?.imports ?? []),
    ],
    providers: [TestUsers, ScopedTestUsers, ...(settings.host?.providers ?? [])],
    controllers: [ProtectedController, ...(settings.host?.controllers ?? [])],
  })
  class TestAppModule {}

  const moduleRef = await Test.createTestingModule({ imports: [TestAppModule] }).compile();
  // Fastify is loaded only when asked for, so the Express suites need none of it.
  const app =
    settings.adapter === 'fastify'
      ? moduleRef.createNestApplication(new (require('@nestjs/platform-fastify').FastifyAdapter)(), { logger: logs })
      : moduleRef.createNestApplication({ logger: logs });
  await settings.host?.configure?.(app);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const users = app.get(TestUsers);
  const http = () => request(url);
  return {
    app,
    url,
    clock,
    logs,
    dataSource: app.get(DataSource),
    database,
    mode: settings.mode,
    http,
    register: async (username, password = PASSWORD) =>
      users.repository.save(users.repository.create({ username, passwordHash: await bcrypt.hash(password, 4) })),
    login: async (username, extra = {}) => {
      const response = await http().post('/auth/login').send({ username, password: PASSWORD, ...extra });
      if (response.status !== 200) throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    },
    close: async () => {
      await app.close();
      if (!shared) await database.drop();
    },
  };
}

/** `Authorization` header value for a token. */
export const bearer = (token: string) => `Bearer ${token}`;
