import { SignatureThreads } from '../../lib/dpop/signature-threads';
import { selectedDatabases } from '../support/databases';
import { createTestApp, PASSWORD, TestApp } from '../support/test-app';
import { generateKeyPair, generateProof, KeyPair } from './dpop-client';

/**
 * Proof signatures checked on worker threads (`dpop.signatureThreads`), through real HTTP with
 * proofs from an independent client: the checks really leave the event loop, a worker that dies
 * mid-crowd costs no request, and the workers stop with the app.
 */
/** The pool's running workers and the checks each holds (internals, to kill a worker mid-crowd). */
const workersOf = (threads: SignatureThreads) =>
  (threads as unknown as { threads: ({ worker: { terminate(): Promise<number> }; jobs: Map<number, unknown> } | null)[] }).threads;

describe.each(selectedDatabases())('DPoP signature workers on %s', (db) => {
  let t: TestApp;
  let key: KeyPair;
  let token: string;
  const me = async (proof?: string) => t.http().get('/me').set('Authorization', `DPoP ${token}`).set('DPoP', proof ?? (await generateProof(key, `${t.url}/me`, 'GET', undefined, token)));

  beforeAll(async () => {
    t = await createTestApp({ database: db, mode: 'extend', options: { dpop: { mode: 'optional', signatureThreads: 2 } } });
    t.clock.ms = Date.now();
    await t.register('wanda');
    key = await generateKeyPair('ES256');
    const login = await t.http().post('/auth/login').set('DPoP', await generateProof(key, `${t.url}/auth/login`, 'POST')).send({ username: 'wanda', password: PASSWORD });
    expect(login.status).toBe(200);
    token = login.body.token;
  });
  afterAll(() => t?.close());

  it('checks the proofs of a crowd on the workers, one answer per request, and still refuses a replay', async () => {
    const proofs = await Promise.all(Array.from({ length: 40 }, () => generateProof(key, `${t.url}/me`, 'GET', undefined, token)));
    const statuses = (await Promise.all(proofs.map((p) => me(p)))).map((r) => r.status);
    expect(statuses).toEqual(proofs.map(() => 200));
    expect(t.app.get(SignatureThreads).running).toBe(2);
    const replay = await me(proofs[7]);
    expect({ status: replay.status, reason: replay.body.reason }).toEqual({ status: 401, reason: 'replayed' });
  });

  it('answers every request of a crowd when the workers die under it, and starts new ones', async () => {
    const threads = t.app.get(SignatureThreads);
    await me();
    const proofs = await Promise.all(Array.from({ length: 120 }, () => generateProof(key, `${t.url}/me`, 'GET', undefined, token)));
    const crowd = Promise.all(proofs.map((p) => me(p)));
    // Kill the workers as soon as the first proofs reach them.
    let killed: Promise<unknown> | null = null;
    const poll = setInterval(() => {
      if (workersOf(threads).some((w) => w && w.jobs.size > 0)) {
        clearInterval(poll);
        killed = Promise.all(workersOf(threads).map((w) => w?.worker.terminate()));
      }
    }, 0);
    const statuses = (await crowd).map((r) => r.status);
    clearInterval(poll);
    expect(killed).not.toBeNull();
    await killed;
    expect(statuses).toEqual(proofs.map(() => 200));
    expect(t.logs.lines.filter((l) => l.includes('DPoP signature worker stopped (exit code 1)')).length).toBeGreaterThanOrEqual(1);
    expect((await me()).status).toBe(200);
    expect(threads.running).toBeGreaterThanOrEqual(1);
  });

  it('stops the workers when the app closes', async () => {
    const threads = t.app.get(SignatureThreads);
    expect(threads.running).toBeGreaterThanOrEqual(1);
    await t.close();
    expect(threads.running).toBe(0);
    t = undefined as unknown as TestApp;
  });
});

describe.each(selectedDatabases())('DPoP with signatureThreads: 0 on %s', (db) => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp({ database: db, mode: 'extend', options: { dpop: { mode: 'optional', signatureThreads: 0 } } })));
  afterAll(() => t.close());

  it('starts no worker and checks proofs on the event loop', async () => {
    t.clock.ms = Date.now();
    await t.register('otto');
    const key = await generateKeyPair('ES256');
    const login = await t.http().post('/auth/login').set('DPoP', await generateProof(key, `${t.url}/auth/login`, 'POST')).send({ username: 'otto', password: PASSWORD });
    const token = login.body.token;
    const ok = await t.http().get('/me').set('Authorization', `DPoP ${token}`).set('DPoP', await generateProof(key, `${t.url}/me`, 'GET', undefined, token));
    expect({ login: login.status, me: ok.status }).toEqual({ login: 200, me: 200 });
    expect(t.app.get(SignatureThreads)).toBeNull();
  });
});
