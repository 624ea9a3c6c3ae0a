import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createTokenTableMigration, TokenAuthModule, TokenAuthUserProvider, tokenEntity, tokenTableMigrations } from '../../lib';
import { TokenFormat } from '../../lib/token-format';
import { TokenHasher } from '../../lib/token-hasher';
import { LegacySuccessors } from '../../lib/rotation/legacy-successors';
import { createTestDatabase, selectedDatabases, TestDatabase } from '../support/databases';
import { bearer, TEST_SECRET, TestClock } from '../support/test-app';

const users: TokenAuthUserProvider = {
  findById: (id) => (id === '1' ? { id: 1 } : null),
  verifyCredentials: () => null,
};
// SQLite: a file, since the 0.1 writer and the upgraded app open it one after the other (`:memory:` would be two databases).
const sqliteFile = join(tmpdir(), `nta-upgrade-${process.pid}.sqlite`);
const connection = (database: TestDatabase) =>
  database.name === 'mariadb' ? { ...database.options, type: 'mariadb' } : database.name === 'sqlite' ? { ...database.options, database: sqliteFile } : database.options;
const format = new TokenFormat('ntk');
const hasher = new TokenHasher([{ id: 'k1', secret: TEST_SECRET }]);
const HOUR = 3600_000;

/** A row as 0.1.x wrote it: no successor_seal column. */
function row(kind: 'access' | 'refresh', token: string, familyId: string, now: number, extra: Record<string, unknown> = {}) {
  const parsed = format.parse(token)!;
  return {
    id: randomUUID(), key_id: parsed.keyId, digest: hasher.digest(parsed.keyId, parsed.secret), hash_key_id: 'k1', user_id: '1', kind,
    family_id: familyId, parent_id: null, login_at: now - HOUR, created_at: now - HOUR, expires_at: now + (kind === 'access' ? 900_000 : 30 * 24 * HOUR),
    absolute_expires_at: now + 80 * 24 * HOUR, last_used_at: null, spent_at: null, revoked_at: null, revoked_reason: null, name: null, ip: null, user_agent: null, scopes: null,
    ...extra,
  };
}

/**
 * A database written by 0.1.x (table from the 0.1 migration, rows with successors derived the old
 * way), upgraded by `tokenTableMigrations()`: every token keeps working, and a refresh retried
 * across the upgrade still gets its identical pair.
 */
describe.each(selectedDatabases())('upgrading a 0.1.x token table on %s', (db) => {
  let database: TestDatabase;
  let app: INestApplication;
  const clock = new TestClock();
  const now = clock.now();
  const fresh = { access: format.mint('access').token, refresh: format.mint('refresh').token };
  const spent = format.mint('refresh');
  const derived = new LegacySuccessors([{ id: 'k1', secret: TEST_SECRET }], format).pair('k1', spent.secret)!;

  beforeAll(async () => {
    database = await createTestDatabase(db);
    rmSync(sqliteFile, { force: true });
    // 1. What 0.1.x left behind.
    const old = new DataSource({ ...connection(database), migrations: [createTokenTableMigration()], migrationsRun: false } as any);
    await old.initialize();
    await old.runMigrations();
    const loginFamily = randomUUID();
    const rotatedFamily = randomUUID();
    const spentRow = row('refresh', spent.token, rotatedFamily, now, { spent_at: now - 2000, last_used_at: now - 2000 });
    const rows = [
      row('access', fresh.access, loginFamily, now),
      row('refresh', fresh.refresh, loginFamily, now),
      spentRow,
      row('access', derived.access, rotatedFamily, now, { parent_id: spentRow.id, created_at: now - 2000 }),
      row('refresh', derived.refresh, rotatedFamily, now, { parent_id: spentRow.id, created_at: now - 2000 }),
    ];
    await old.createQueryBuilder().insert().into('auth_tokens', Object.keys(rows[0])).values(rows).execute();
    await old.destroy();
    // 2. The upgraded app runs the remaining migration at boot.
    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({ ...connection(database), entities: [tokenEntity()], synchronize: false, migrationsRun: true, migrations: tokenTableMigrations() } as any),
        TokenAuthModule.forRoot({ mode: 'rotate', users, secrets: TEST_SECRET, clock, throttle: { login: false, refresh: false } }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(sqliteFile, { force: true });
  });

  const refresh = (refreshToken: string) => request(app.getHttpServer()).post('/auth/refresh').send({ refreshToken });

  it('adds the seal column and leaves the old rows as they were', async () => {
    const [{ n }] = await app.get(DataSource).query('SELECT COUNT(*) AS n FROM auth_tokens WHERE successor_seal IS NULL');
    expect(Number(n)).toBe(5);
  });

  it('accepts an access token issued before the upgrade', async () => {
    const details = await request(app.getHttpServer()).get('/auth/token').set('Authorization', bearer(fresh.access));
    expect(details.status).toBe(200);
  });

  it('answers a refresh retried across the upgrade with the identical pre-upgrade pair', async () => {
    const again = await refresh(spent.token);
    expect(again.status).toBe(200);
    expect({ access: again.body.token, refresh: again.body.refreshToken }).toEqual(derived);
  });

  it('rotates a refresh token issued before the upgrade into random successors, sealed for the grace window', async () => {
    const next = await refresh(fresh.refresh);
    expect(next.status).toBe(200);
    expect((await refresh(fresh.refresh)).body).toEqual(next.body);
    expect((await refresh(next.body.refreshToken)).status).toBe(200);
  });

  it('treats the pre-upgrade spent token as reuse once its grace window has passed', async () => {
    clock.advance(60);
    expect((await refresh(spent.token)).body).toMatchObject({ error: 'invalid_grant', reason: 'reused' });
    expect((await refresh(derived.refresh)).body.reason).toBe('revoked');
  });
});
