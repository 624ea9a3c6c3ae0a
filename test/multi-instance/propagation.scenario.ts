import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import request from 'supertest';
import { TokenAuthModule, TokenAuthService } from '../../lib';
import { admin, POSTGRES_URL, selectedDatabases } from '../support/databases';
import { Instance, startInstance } from './instances';

// Two sample-app processes on one PostgreSQL database, each with the token cache on by default
// (its LISTEN/NOTIFY channel). 1,000 revocations on A while B serves the same tokens under load;
// halfway through, every listening connection is killed. No request on B may be accepted later than
// the documented bound after the revocation committed.
const BOUND_MS = 2000;
const TOKENS = 1000;
const REVOKERS = 4;
const LOADERS = 4;
const KILL_AT = TOKENS / 2;
const PASSWORD = 'correct horse battery';

const postgres = selectedDatabases().filter((d) => d === 'postgres');
const each = <T>(rows: T[]) => (rows.length ? describe.each(rows) : (_name: string, _fn: (...args: any[]) => void) => undefined);

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** The status of one request (keep-alive, through an agent the suite closes). */
function send(base: string, method: 'GET' | 'POST', path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

each(postgres)('revocation propagation between two sample-app instances on %s (cache on by default)', () => {
  const name = `nta_prop_${randomBytes(4).toString('hex')}`;
  const secret = `propagation-secret-${randomBytes(16).toString('hex')}`;
  const pg = { type: 'postgres' as const, url: POSTGRES_URL };
  let url: string;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    await admin(pg, [`CREATE DATABASE "${name}"`]);
    const target = new URL(POSTGRES_URL);
    target.pathname = `/${name}`;
    url = target.toString();
    const env = { AUTH_MODE: 'extend', TOKEN_SECRET: secret, DATABASE_URL: url, LOGIN_LIMIT: '1000' };
    a = await startInstance(env);
    b = await startInstance(env);
  });

  afterAll(async () => {
    agent.destroy();
    await Promise.all([a?.stop(), b?.stop()]);
    await admin(pg, [`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`]);
  });

  /** Sessions minted in this process with the instances' secret and table (no bcrypt per login). */
  async function mint(userId: string, count: number): Promise<string[]> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({ type: 'postgres', url, autoLoadEntities: true, synchronize: false }),
        TokenAuthModule.forRoot({ mode: 'extend', secrets: secret, cache: false, users: { findById: (id: string) => ({ id }), verifyCredentials: () => null } }),
      ],
    }).compile();
    const app = await moduleRef.init();
    try {
      const auth = app.get(TokenAuthService);
      const tokens: string[] = [];
      for (let i = 0; i < count; i++) tokens.push((await auth.login({ id: userId })).token);
      return tokens;
    } finally {
      await app.close();
    }
  }

  it(`refuses every revoked token on B within ${BOUND_MS} ms of the commit, also across a killed listener`, async () => {
    const username = `prop-${randomBytes(4).toString('hex')}`;
    const user = (await request(a.url).post('/users').send({ username, password: PASSWORD }).expect(201)).body;
    const tokens = await mint(String(user.id), TOKENS);
    const me = (token: string) => send(b.url, 'GET', '/me', token);
    // B caches every token first.
    for (let i = 0; i < TOKENS; i += 50) expect(await Promise.all(tokens.slice(i, i + 50).map(me))).toEqual(Array(Math.min(50, TOKENS - i)).fill(200));

    const committedBy = new Array<number>(TOKENS).fill(Infinity); // A's 204 arrived: the commit happened before
    const sentAt = new Array<number>(TOKENS).fill(Infinity);
    const firstRefusal = new Array<number>(TOKENS).fill(Infinity);
    const late: string[] = [];
    /** Every B answer, checked against the revocation's commit. */
    const observe = (index: number, started: number, status: number) => {
      if (status === 200 && started > committedBy[index] + BOUND_MS) late.push(`token ${index}: accepted ${started - committedBy[index]} ms after its revocation committed`);
      if (status === 401 && started < firstRefusal[index]) firstRefusal[index] = started;
      if (status !== 200 && status !== 401) late.push(`token ${index}: status ${status}`);
    };

    let running = true;
    let killed = 0;
    const loaders = Array.from({ length: LOADERS }, async () => {
      while (running) {
        const index = Math.floor(Math.random() * TOKENS);
        const started = Date.now();
        observe(index, started, await me(tokens[index]));
      }
    });
    let next = 0;
    const revokers = Array.from({ length: REVOKERS }, async () => {
      while (next < TOKENS) {
        const index = next++;
        if (index === KILL_AT) {
          const result = await adminRows(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = '${name}' AND application_name LIKE 'nest-token-auth-listener%'`);
          killed = result.length;
        }
        // A watcher asks B for this token until B refuses it.
        let watching = true;
        const watcher = (async () => {
          while (watching) {
            const started = Date.now();
            const status = await me(tokens[index]);
            observe(index, started, status);
            if (status === 401) return;
          }
        })();
        sentAt[index] = Date.now();
        const status = await send(a.url, 'POST', '/auth/logout', tokens[index]);
        committedBy[index] = Date.now();
        expect(status).toBe(204);
        await Promise.race([watcher, new Promise((resolve) => setTimeout(resolve, BOUND_MS * 2))]);
        watching = false;
        await watcher;
      }
    });
    await Promise.all(revokers);
    running = false;
    await Promise.all(loaders);

    const propagation = firstRefusal.map((refused, i) => Math.max(0, refused - sentAt[i])).sort((x, y) => x - y);
    const afterCommit = firstRefusal.map((refused, i) => Math.max(0, refused - committedBy[i])).sort((x, y) => x - y);
    process.stdout.write(
      `[propagation] postgres: ${TOKENS} revocations on A, B under load (${LOADERS} loaders + a watcher per revocation); ` +
        `${killed} listening connection(s) killed at #${KILL_AT}; logout sent → B's first refusal: ` +
        `p50 ${percentile(propagation, 0.5)} ms, p99 ${percentile(propagation, 0.99)} ms, max ${propagation[propagation.length - 1]} ms; ` +
        `A's 204 → B's first refusal: p50 ${percentile(afterCommit, 0.5)} ms, p99 ${percentile(afterCommit, 0.99)} ms, max ${afterCommit[afterCommit.length - 1]} ms; ` +
        `bound ${BOUND_MS} ms; ${late.length} late acceptance(s)\n`,
    );
    expect(killed).toBeGreaterThanOrEqual(2);
    expect(late).toEqual([]);
    expect(firstRefusal.every(Number.isFinite)).toBe(true);
    // After the kill both instances listen again (the cache comes back on).
    const { token } = (await request(a.url).post('/auth/login').send({ username, password: PASSWORD }).expect(200)).body;
    expect(await me(token)).toBe(200);
    expect(await send(a.url, 'POST', '/auth/logout', token)).toBe(204);
    const refusedAfter = Date.now();
    while ((await me(token)) === 200) expect(Date.now() - refusedAfter).toBeLessThan(BOUND_MS);
  });

  async function adminRows(sql: string): Promise<unknown[]> {
    const { DataSource } = await import('typeorm');
    const ds = await new DataSource(pg).initialize();
    try {
      return await ds.query(sql);
    } finally {
      await ds.destroy();
    }
  }
});
