import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admin, DatabaseName, MARIADB, POSTGRES_URL, selectedDatabases } from '../support/databases';
import { bearer, createTestApp, TestApp } from '../support/test-app';
import { buildPurgeScenario, KEEP_REVOKED, PURGE_OPTIONS, PurgeScenario, rowsLeft, SCENARIO_SECONDS } from './scenario';

// Built by the jest globalSetup (tsc -p tsconfig.build.json), as `npm run build` would.
const CLI = join(__dirname, '../../dist/lib/cli/purge.js');
const TABLE = 'session_tokens';
const cleanEnv = { ...process.env, DATABASE_URL: undefined };

interface CliRun { code: number; stdout: string; stderr: string }
function purgeCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) =>
    execFile(process.execPath, [CLI, ...args], { cwd: tmpdir(), env: { ...cleanEnv, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    ),
  );
}

/** A database the CLI reaches by URL, and the app pointed at the same place. */
async function target(name: DatabaseName): Promise<{ url: string; connect?: (o: any) => any; drop(): Promise<void> }> {
  const id = `nta_purge_${process.pid}_${randomBytes(3).toString('hex')}`;
  if (name === 'sqlite') {
    const file = join(tmpdir(), `${id}.sqlite`);
    return { url: `sqlite:./${id}.sqlite`, connect: (o) => ({ ...o, database: file }), drop: async () => rmSync(file, { force: true }) };
  }
  if (name === 'postgres') {
    await admin({ type: 'postgres', url: POSTGRES_URL }, [`CREATE DATABASE ${id}`]);
    const url = POSTGRES_URL.replace(/\/[^/]*$/, `/${id}`);
    return { url, connect: () => ({ type: 'postgres', url }), drop: () => admin({ type: 'postgres', url: POSTGRES_URL }, [`DROP DATABASE ${id} WITH (FORCE)`]) };
  }
  // MariaDB: the test app's own database, reached by URL.
  return { url: '', drop: async () => undefined };
}

describe.each(selectedDatabases())('purge CLI on %s', (database) => {
  let t: TestApp;
  let url: string;
  let drop: () => Promise<void>;
  let scenario: PurgeScenario;
  const args = (...more: string[]) => ['--database-url', url, '--table', TABLE, '--revoked-older-than', String(KEEP_REVOKED), ...more];
  const refresh = (refreshToken: string) => t.http().post('/auth/refresh').send({ refreshToken });

  beforeAll(async () => {
    const place = await target(database);
    drop = place.drop;
    t = await createTestApp({ database, mode: 'rotate', options: PURGE_OPTIONS, extras: { tableName: TABLE }, connect: place.connect });
    url = place.url || `mysql://${MARIADB.username}@${MARIADB.host}:${MARIADB.port}/${(t.database.options as { database: string }).database}`;
    // The CLI judges expiry by the wall clock, so the scenario ends now.
    t.clock.ms = Date.now() - SCENARIO_SECONDS * 1000;
    await t.register('cleo');
    scenario = await buildPurgeScenario(t, 'cleo');
  });
  afterAll(async () => {
    await t?.close();
    await drop?.();
  });

  it('--dry-run prints what it would delete and deletes nothing', async () => {
    const before = await rowsLeft(t, TABLE);
    const run = await purgeCli(args('--dry-run'));
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^dry run: would purge 10 expired, 1 revoked, 1 spent rows from session_tokens, \d+ successor seals older than an hour in \d+ ms\n$/);
    expect(await rowsLeft(t, TABLE)).toEqual(before);
  });

  it('purges in batches, prints the counts and leaves live sessions and needed spent rows', async () => {
    const run = await purgeCli(args('--batch-size', '3'));
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^purged 10 expired, 1 revoked, 1 spent rows from session_tokens, \d+ successor seals older than an hour in \d+ ms\n$/);
    expect(await rowsLeft(t, TABLE)).toEqual({ total: scenario.remaining, spent: 3, revoked: 2 });
    expect((await t.http().get('/me').set('Authorization', bearer(scenario.live.token))).status).toBe(200);
  });

  it('keeps reuse detection working for spent tokens of live families', async () => {
    expect((await refresh(scenario.longLived.spentRefresh)).body.reason).toBe('reused');
    expect((await refresh(scenario.live.spentRefresh)).body.reason).toBe('reused');
    expect((await t.http().get('/me').set('Authorization', bearer(scenario.live.token))).body.reason).toBe('revoked');
  });

  it('--knox-table deletes (or on a dry run counts) expired django-rest-knox rows and keeps the others', async () => {
    const timestamp = database === 'postgres' ? 'timestamp with time zone' : database === 'mariadb' ? 'datetime(6)' : 'datetime';
    await t.dataSource.query(`CREATE TABLE knox_authtoken (digest varchar(128) PRIMARY KEY, token_key varchar(25) NOT NULL, user_id integer NOT NULL, created ${timestamp} NOT NULL, expiry ${timestamp} NULL)`);
    const at = (ms: number) => `${new Date(ms).toISOString().slice(0, 23).replace('T', ' ')}000${database === 'postgres' ? '+00' : ''}`;
    const hour = 3_600_000;
    const rows = [['a'.repeat(128), Date.now() - 2 * hour], ['b'.repeat(128), Date.now() + hour], ['c'.repeat(128), null]] as const;
    for (const [digest, expiry] of rows) {
      const placeholders = database === 'postgres' ? '$1, $2, 1, $3, $4' : '?, ?, 1, ?, ?';
      await t.dataSource.query(`INSERT INTO knox_authtoken (digest, token_key, user_id, created, expiry) VALUES (${placeholders})`, [digest, digest.slice(0, 15), at(Date.now() - 3 * hour), expiry === null ? null : at(expiry)]);
    }
    const count = async () => Number((await t.dataSource.query('SELECT COUNT(*) AS n FROM knox_authtoken'))[0].n);
    const dry = await purgeCli(args('--knox-table', 'knox_authtoken', '--dry-run'));
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    expect(dry.stdout).toMatch(/, 1 expired rows from knox_authtoken, /);
    expect(await count()).toBe(3);
    const run = await purgeCli(args('--knox-table', 'knox_authtoken'));
    expect(run.stdout).toMatch(/^purged .*, 1 expired rows from knox_authtoken, /);
    expect(await count()).toBe(2);
  });

  it('reads DATABASE_URL when --database-url is absent', async () => {
    const run = await purgeCli(['--table', TABLE], { DATABASE_URL: url });
    expect(run.stdout).toMatch(/^purged 0 expired, 0 revoked, 0 spent rows from session_tokens, \d+ successor seals older than an hour in \d+ ms\n$/);
  });
});

describe('purge CLI refusals', () => {
  it.each([
    [[], /--database-url \(or DATABASE_URL\) is required/],
    [['--database-url', 'oracle://x'], /--database-url must start with sqlite:/],
    [['--database-url', 'sqlite:./x.sqlite', '--batch-size', '1e3'], /--batch-size must be a whole number from 1 to 10000/],
    [['--database-url', 'sqlite:./x.sqlite', '--revoked-older-than=-5'], /--revoked-older-than must be a whole number from 0/],
    [['--database-url', 'sqlite:./x.sqlite', '--table', 'drop table'], /--table must match/],
    [['--database-url', 'sqlite:./x.sqlite', '--force'], /Unknown option '--force'/],
  ])('exits 2 on bad arguments %j', async (argv, message) => {
    const run = await purgeCli(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('usage: nest-token-auth-purge');
  });

  it.each([[['--help']], [['-h']], [['--database-url', 'oracle://x', '--force', '--help']]])('%j prints the usage and exits 0', async (argv) => {
    const run = await purgeCli(argv);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('usage: nest-token-auth-purge --database-url');
    for (const flag of ['--table', '--revoked-older-than', '--batch-size', '--dry-run', '--help']) expect(run.stdout).toContain(flag);
  });

  it('exits 1 on a database error with one line: no stack, no password', async () => {
    const run = await purgeCli(['--database-url', 'postgres://postgres:hunter2-secret@127.0.0.1:1/test']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^purge failed: .*ECONNREFUSED.*\n$/);
    expect(run.stderr + run.stdout).not.toContain('hunter2');
  });

  it('exits 1 when the table is missing', async () => {
    const file = join(tmpdir(), `nta_purge_empty_${process.pid}.sqlite`);
    writeFileSync(file, '');
    try {
      const run = await purgeCli(['--database-url', `sqlite:${file}`]);
      expect(run).toMatchObject({ code: 1, stdout: '' });
      expect(run.stderr).toMatch(/^purge failed: .*no such table: auth_tokens\n$/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
