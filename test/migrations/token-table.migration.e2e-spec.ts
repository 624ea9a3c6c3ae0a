import { Controller, Get, INestApplication, Module, UseGuards } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { CurrentUser, TokenAuthGuard, TokenAuthModule, TokenAuthUserProvider, tokenEntity } from '../../lib';
import { tokenTableMigrations } from '../../lib';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { bearer, TEST_SECRET } from '../support/test-app';

// Users live in memory so the DataSource holds the token entity alone and the schema diff must be empty.
const users: TokenAuthUserProvider = {
  findById: (id) => (id === '1' ? { id: 1 } : null),
  verifyCredentials: (username, password) => (username === 'mia' && password === 'pw' ? { id: 1 } : null),
};

@Controller()
class MeController {
  @Get('me')
  @UseGuards(TokenAuthGuard)
  me(@CurrentUser() user: { id: number }) {
    return user;
  }
}

/**
 * The harness connects to MariaDB as `type: 'mysql'`, under which TypeORM misreads MariaDB's nullable
 * defaults and reports a diff even for tables it synchronised itself; `'mariadb'` reads them right.
 */
const connection = (database: TestDatabase) => (database.name === 'mariadb' ? { ...database.options, type: 'mariadb' } : database.options);

/** A host app that relies on the migration: `synchronize: false`, `migrationsRun: true`. */
async function boot(database: TestDatabase, tableName: string): Promise<INestApplication> {
  @Module({
    imports: [
      TypeOrmModule.forRoot({ ...connection(database), entities: [tokenEntity(tableName)], synchronize: false, migrationsRun: true, migrations: tokenTableMigrations({ tableName }) } as any),
      TokenAuthModule.forRoot({ mode: 'rotate', users, secrets: TEST_SECRET, throttle: { login: false, refresh: false }, tableName }),
    ],
    controllers: [MeController],
  })
  class MigratedAppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [MigratedAppModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

const cases = selectedDatabases().flatMap((db) => ['auth_tokens', 'custom_tokens'].map((table) => [db, table] as const));

describe.each(cases)('token table migration on %s (table %s)', (db, tableName) => {
  let database: TestDatabase;
  let app: INestApplication;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase(db);
    app = await boot(database, tableName);
    dataSource = app.get(DataSource);
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('creates a table the schema diff finds identical to the entity', async () => {
    expect(await dataSource.createQueryRunner().hasTable(tableName)).toBe(true);
    const diff = await dataSource.driver.createSchemaBuilder().log();
    expect(diff.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('serves login, bearer use, refresh and logout with synchronize off', async () => {
    const http = request(app.getHttpServer());
    const login = await http.post('/auth/login').send({ username: 'mia', password: 'pw' });
    expect(login.status).toBe(200);
    expect((await http.get('/me').set('Authorization', bearer(login.body.token))).body).toEqual({ id: 1 });
    const next = await http.post('/auth/refresh').send({ refreshToken: login.body.refreshToken });
    expect(next.status).toBe(200);
    expect((await http.post('/auth/logout').set('Authorization', bearer(next.body.token))).status).toBe(204);
    const [{ n }] = await dataSource.query(`SELECT COUNT(*) AS n FROM ${tableName} WHERE revoked_at IS NOT NULL`);
    expect(Number(n)).toBe(4);
  });

  it('records each migration by name; undoing them removes the DPoP column, the seal column, then the table', async () => {
    expect(await dataSource.showMigrations()).toBe(false);
    await dataSource.undoLastMigration();
    const table = await dataSource.createQueryRunner().getTable(tableName);
    expect(table?.findColumnByName('dpop_jkt')).toBeUndefined();
    expect(table?.findColumnByName('successor_seal')).toBeDefined();
    await dataSource.undoLastMigration();
    expect((await dataSource.createQueryRunner().getTable(tableName))?.findColumnByName('successor_seal')).toBeUndefined();
    await dataSource.undoLastMigration();
    expect(await dataSource.createQueryRunner().hasTable(tableName)).toBe(false);
  });
});
