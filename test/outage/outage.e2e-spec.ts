import { DataSourceOptions } from 'typeorm';
import { MARIADB, POSTGRES_URL, selectedDatabases } from '../support/databases';
import { TcpProxy } from '../support/tcp-proxy';
import { bearer, createTestApp, MODES, PASSWORD, TestApp } from '../support/test-app';

const networked = selectedDatabases().filter((d) => d !== 'sqlite');

/** Routes the app's connections through the proxy. */
function viaProxy(proxy: TcpProxy) {
  return (options: DataSourceOptions): DataSourceOptions =>
    options.type === 'postgres'
      ? { ...options, url: throughProxy((options as any).url, proxy.port) }
      : ({ ...options, host: '127.0.0.1', port: proxy.port } as DataSourceOptions);
}

/** The same URL with the proxy's local address in place of the server's. */
function throughProxy(serverUrl: string, port: number): string {
  const url = new URL(serverUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}

async function expectUnavailable(response: { status: number; body: any }) {
  expect(response.status).toBe(503);
  expect(response.body).toMatchObject({ error: 'temporarily_unavailable', message: expect.any(String) });
}

// Cutting the network only applies to networked databases (SQLite's case is the closed data source below).
const networkedEach = <T>(rows: T[]) => (rows.length ? describe.each(rows) : (_name: string, _fn: (...args: any[]) => void) => undefined);

networkedEach(networked.flatMap((d) => MODES.map((m) => [d, m] as const)))('database outage on %s (%s mode)', (database: any, mode: any) => {
  const server = database === 'postgres' ? new URL(POSTGRES_URL) : null;
  const proxy = server ? new TcpProxy(Number(server.port || 5432), server.hostname) : new TcpProxy(MARIADB.port, MARIADB.host);
  let t: TestApp;

  beforeAll(async () => {
    await proxy.up();
    t = await createTestApp({ database, mode, connect: viaProxy(proxy) });
    await t.register('olga');
  });
  afterAll(async () => {
    await proxy.up().catch(() => undefined);
    await t.close();
    await proxy.down();
  });

  it('answers 503 (never 401 or 500) while the database is unreachable, and recovers without a restart', async () => {
    const login = await t.login('olga');
    await proxy.down();
    try {
      await expectUnavailable(await t.http().get('/me').set('Authorization', bearer(login.token)));
      await expectUnavailable(await t.http().post('/auth/login').send({ username: 'olga', password: PASSWORD }));
      await expectUnavailable(await t.http().post('/auth/logout').set('Authorization', bearer(login.token)));
      if (mode === 'rotate') await expectUnavailable(await t.http().post('/auth/refresh').send({ refreshToken: login.refreshToken }));
      // Garbage is still refused without the database.
      expect((await t.http().get('/me').set('Authorization', 'Bearer garbage')).status).toBe(401);
    } finally {
      await proxy.up();
    }
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = (await t.http().get('/me').set('Authorization', bearer(login.token))).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    if (mode === 'rotate') expect((await t.http().post('/auth/refresh').send({ refreshToken: login.refreshToken })).status).toBe(200);
  });
});

describe.each(selectedDatabases())('a rotation that fails half-way on %s', (database) => {
  let t: TestApp;
  const failInserts: Record<string, [string[], string[]]> = {
    sqlite: [["CREATE TRIGGER fail_insert BEFORE INSERT ON auth_tokens BEGIN SELECT RAISE(ABORT, 'injected failure'); END"], ['DROP TRIGGER fail_insert']],
    postgres: [
      [
        "CREATE FUNCTION fail_insert() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
        'CREATE TRIGGER fail_insert BEFORE INSERT ON auth_tokens FOR EACH ROW EXECUTE FUNCTION fail_insert()',
      ],
      ['DROP TRIGGER fail_insert ON auth_tokens', 'DROP FUNCTION fail_insert()'],
    ],
    mariadb: [["CREATE TRIGGER fail_insert BEFORE INSERT ON auth_tokens FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'"], ['DROP TRIGGER fail_insert']],
  };
  const run = async (statements: string[]) => {
    for (const sql of statements) await t.dataSource.query(sql);
  };
  const state = async (refreshToken: string) => {
    const rows = await t.dataSource.query(`SELECT id, spent_at FROM auth_tokens WHERE key_id = '${refreshToken.slice(7, 19)}'`);
    const children = await t.dataSource.query(`SELECT COUNT(*) AS n FROM auth_tokens WHERE parent_id = '${rows[0].id}'`);
    return { spent: rows[0].spent_at !== null, successors: Number(children[0].n) };
  };

  beforeAll(async () => {
    t = await createTestApp({ database, mode: 'rotate' });
    await t.register('pia');
  });
  afterAll(() => t.close());

  it('leaves the old state (token unspent, no successor) and the token still rotates afterwards', async () => {
    const login = await t.login('pia');
    const [install, remove] = failInserts[database];
    await run(install);
    try {
      await expectUnavailable(await t.http().post('/auth/refresh').send({ refreshToken: login.refreshToken }));
    } finally {
      await run(remove);
    }
    expect(await state(login.refreshToken!)).toEqual({ spent: false, successors: 0 });
    const retry = await t.http().post('/auth/refresh').send({ refreshToken: login.refreshToken });
    expect(retry.status).toBe(200);
    expect(await state(login.refreshToken!)).toEqual({ spent: true, successors: 2 });
  });
});

networkedEach(networked)('a connection dropped mid-rotation on %s', (database: any) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ database, mode: 'rotate' });
    await t.register('quinn');
  });
  afterAll(() => t.close());

  it('rolls back to the old state, and the token still rotates afterwards', async () => {
    const login = await t.login('quinn');
    const slow =
      database === 'postgres'
        ? [
            'CREATE FUNCTION slow_insert() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(5); RETURN NEW; END $$ LANGUAGE plpgsql',
            'CREATE TRIGGER slow_insert BEFORE INSERT ON auth_tokens FOR EACH ROW EXECUTE FUNCTION slow_insert()',
          ]
        : ['CREATE TRIGGER slow_insert BEFORE INSERT ON auth_tokens FOR EACH ROW SET @slept = SLEEP(5)'];
    const undo = database === 'postgres' ? ['DROP TRIGGER slow_insert ON auth_tokens', 'DROP FUNCTION slow_insert()'] : ['DROP TRIGGER slow_insert'];
    for (const sql of slow) await t.dataSource.query(sql);
    const pending = t.http().post('/auth/refresh').send({ refreshToken: login.refreshToken }).then((r) => r);
    // Find this app's connection stuck inside the rotation's INSERT (only in this test's own schema or
    // database: other suites run beside this one) and kill it.
    const own = (t.database.options as any).schema ?? (t.database.options as any).database;
    const find =
      database === 'postgres'
        ? `SELECT pid AS id FROM pg_stat_activity WHERE query LIKE '%INSERT INTO "${own}"."auth_tokens"%' AND state = 'active' AND pid <> pg_backend_pid()`
        : `SELECT id FROM information_schema.processlist WHERE db = '${own}' AND info LIKE 'SET @slept%'`;
    let killed = false;
    for (let attempt = 0; attempt < 100 && !killed; attempt++) {
      const rows = await t.dataSource.query(find);
      for (const row of rows) {
        await t.dataSource.query(database === 'postgres' ? `SELECT pg_terminate_backend(${Number(row.id)})` : `KILL ${Number(row.id)}`);
        killed = true;
      }
      if (!killed) await new Promise((r) => setTimeout(r, 20));
    }
    expect(killed).toBe(true);
    await expectUnavailable(await pending);
    for (const sql of undo) await t.dataSource.query(sql);
    const predecessor = await t.dataSource.query(`SELECT id, spent_at FROM auth_tokens WHERE key_id = '${login.refreshToken!.slice(7, 19)}'`);
    const successors = await t.dataSource.query(`SELECT COUNT(*) AS n FROM auth_tokens WHERE parent_id = '${predecessor[0].id}'`);
    expect([predecessor[0].spent_at, Number(successors[0].n)]).toEqual([null, 0]);
    expect((await t.http().post('/auth/refresh').send({ refreshToken: login.refreshToken })).status).toBe(200);
  });
});

describe('SQLite data source closed underneath the app', () => {
  it('answers 503 while closed and recovers after it is opened again', async () => {
    const t = await createTestApp({ database: 'sqlite', mode: 'extend', connect: (o) => ({ ...o, database: `/tmp/nta-outage-${process.pid}.sqlite` }) as DataSourceOptions });
    try {
      await t.register('rita');
      const login = await t.login('rita');
      await t.dataSource.destroy();
      await expectUnavailable(await t.http().get('/me').set('Authorization', bearer(login.token)));
      await t.dataSource.initialize();
      expect((await t.http().get('/me').set('Authorization', bearer(login.token))).status).toBe(200);
    } finally {
      await t.close();
      require('node:fs').rmSync(`/tmp/nta-outage-${process.pid}.sqlite`, { force: true });
    }
  });
});
