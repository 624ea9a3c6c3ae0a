import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createSuccessorSealMigration, createTokenTableMigration, TokenAuthModule, TokenAuthUserProvider, tokenEntity, tokenTableMigrations } from '../../lib';
import { TokenFormat } from '../../lib/token-format';
import { TokenHasher } from '../../lib/token-hasher';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { bearer, TEST_SECRET } from '../support/test-app';
import { generateKeyPair, generateProof } from '../dpop/dpop-client';

const users: TokenAuthUserProvider = {
  findById: (id) => (id === '1' ? { id: 1 } : null),
  verifyCredentials: (username, password) => (username === 'mia' && password === 'pw' ? { id: 1 } : null),
};
const sqliteFile = join(tmpdir(), `nta-upgrade-dpop-${process.pid}.sqlite`);
const connection = (database: TestDatabase) =>
  database.name === 'mariadb' ? { ...database.options, type: 'mariadb' } : database.name === 'sqlite' ? { ...database.options, database: sqliteFile } : database.options;
const format = new TokenFormat('ntk');
const hasher = new TokenHasher([{ id: 'k1', secret: TEST_SECRET }]);

/**
 * A table as 0.2.x left it (two migrations, no dpop_jkt), upgraded by `tokenTableMigrations()` with
 * DPoP turned on: the old session keeps working as a Bearer session, and new logins can bind.
 */
describe.each(selectedDatabases())('upgrading a 0.2.x token table to DPoP on %s', (db) => {
  let database: TestDatabase;
  let app: INestApplication;
  const old = format.mint('access');

  beforeAll(async () => {
    database = await createTestDatabase(db);
    rmSync(sqliteFile, { force: true });
    const before = new DataSource({ ...connection(database), migrations: [createTokenTableMigration(), createSuccessorSealMigration()] } as any);
    await before.initialize();
    await before.runMigrations();
    const now = Date.now();
    const row = {
      id: randomUUID(), key_id: old.keyId, digest: hasher.digest(old.keyId, old.secret), hash_key_id: 'k1', user_id: '1', kind: 'access', family_id: randomUUID(),
      parent_id: null, login_at: now, created_at: now, expires_at: now + 3600_000, absolute_expires_at: null, last_used_at: null, spent_at: null,
      successor_seal: null, revoked_at: null, revoked_reason: null, name: null, ip: null, user_agent: null, scopes: null,
    };
    await before.createQueryBuilder().insert().into('auth_tokens', Object.keys(row)).values(row).execute();
    await before.destroy();
    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({ ...connection(database), entities: [tokenEntity()], synchronize: false, migrationsRun: true, migrations: tokenTableMigrations() } as any),
        TokenAuthModule.forRoot({ mode: 'extend', users, secrets: TEST_SECRET, throttle: { login: false, refresh: false }, dpop: 'optional' }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(sqliteFile, { force: true });
  });

  it('adds the nullable dpop_jkt column; the schema matches the entity', async () => {
    const dataSource = app.get(DataSource);
    expect((await dataSource.createQueryRunner().getTable('auth_tokens'))?.findColumnByName('dpop_jkt')?.isNullable).toBe(true);
    expect((await dataSource.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query)).toEqual([]);
  });

  it('keeps the pre-upgrade session working as an unbound Bearer session', async () => {
    const details = await request(app.getHttpServer()).get('/auth/token').set('Authorization', bearer(old.token));
    expect({ status: details.status, dpopBound: details.body.dpopBound }).toEqual({ status: 200, dpopBound: false });
  });

  it('binds a new login made with a proof, in the new column', async () => {
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const key = await generateKeyPair('ES256');
    const login = await request(url).post('/auth/login').set('DPoP', await generateProof(key, `${url}/auth/login`, 'POST')).send({ username: 'mia', password: 'pw' });
    expect(login.status).toBe(200);
    const [{ n }] = await app.get(DataSource).query('SELECT COUNT(*) AS n FROM auth_tokens WHERE dpop_jkt IS NOT NULL');
    expect(Number(n)).toBe(1);
  });
});
