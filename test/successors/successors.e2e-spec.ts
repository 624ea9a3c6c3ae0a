import { copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenRecord } from '../../lib';
import { TokenFormat } from '../../lib/token-format';
import { LegacySuccessors } from '../../lib/rotation/legacy-successors';
import { openSuccessors } from '../../lib/rotation/successor-seal';
import { selectedDatabases } from '../support/databases';
import { bearer, createTestApp, TEST_SECRET, TestApp } from '../support/test-app';

const GRACE = 1;
const format = new TokenFormat('ntk');
/** 0.1.x's successor function: the server secret and a predecessor token gave the next pair. */
const oldDerivation = new LegacySuccessors([{ id: 'k1', secret: TEST_SECRET }], format);

/**
 * P1-P3 of DESIGN.md (P4, the identical replay, is in test/rotate, test/races and test/multi-instance).
 * The 0.1.x reproductions are kept: with the server secret and an old refresh token, the old
 * derivation no longer yields the session's tokens, nor confirms a guess of the secret.
 */
describe.each(selectedDatabases())('successor tokens on %s', (database) => {
  let t: TestApp;
  const refresh = (refreshToken: string) => t.http().post('/auth/refresh').send({ refreshToken });
  /** Every row, with the fields a seal is bound to under their property names (plus every raw column). */
  const rows = async (): Promise<TokenRecord[]> =>
    (await t.dataSource.query('SELECT * FROM auth_tokens')).map((r: Record<string, unknown>) => ({ ...r, successorSeal: r.successor_seal, familyId: r.family_id }));

  beforeAll(async () => {
    t = await createTestApp({ database, mode: 'rotate', options: { reuseGrace: GRACE } });
    await t.register('paula');
  });
  afterAll(() => t.close());

  it('P1, P2: the server secret and a predecessor token no longer compute (or confirm) its successors', async () => {
    const login = await t.login('paula');
    const next = (await refresh(login.refreshToken!)).body;
    const guess = oldDerivation.pair('k1', format.parse(login.refreshToken)!.secret)!;
    // 0.1.x: guess equalled next, so a user's own pair tested secret guesses offline, and a secret holder followed the session.
    expect(guess).not.toEqual({ access: next.token, refresh: next.refreshToken });
    expect((await t.http().get('/me').set('Authorization', bearer(guess.access))).body.reason).toBe('unknown');
    expect((await refresh(guess.refresh)).body.reason).toBe('unknown');
    // Following the chain further with the secret finds nothing either.
    const further = oldDerivation.pair('k1', format.parse(next.refreshToken)!.secret)!;
    expect((await t.http().get('/me').set('Authorization', bearer(further.access))).body.reason).toBe('unknown');
    expect((await t.http().get('/me').set('Authorization', bearer(next.token))).status).toBe(200);
  });

  it('P3: the database holds no token, secret or seal key; a seal does not open with anything the database or server secret holds', async () => {
    const login = await t.login('paula');
    const next = (await refresh(login.refreshToken!)).body;
    const issued = [login.token, login.refreshToken!, next.token, next.refreshToken];
    const dump = JSON.stringify(await t.dataSource.query('SELECT * FROM auth_tokens'));
    for (const token of issued) {
      expect(dump).not.toContain(token);
      expect(dump).not.toContain(format.parse(token)!.secret);
    }
    const spent = (await rows()).find((r) => r.successorSeal !== null) as TokenRecord;
    expect(spent.successorSeal).toMatch(/^v1\./);
    const candidates = [TEST_SECRET, ...Object.values(spent).filter((v): v is string => typeof v === 'string')];
    for (const candidate of candidates) expect(openSuccessors(spent, candidate, spent.successorSeal)).toBeNull();
  });

  it('P3: every seal is wiped once its grace window has passed, without any request or purge', async () => {
    const login = await t.login('paula');
    await refresh(login.refreshToken!);
    expect((await rows()).filter((r) => r.successorSeal !== null).length).toBeGreaterThan(0);
    t.clock.advance(GRACE + 1);
    // The sweeper wakes once per max(grace, 1 s); give it two chances.
    for (let i = 0; i < 25 && (await rows()).some((r) => r.successorSeal !== null); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await rows()).filter((r) => r.successorSeal !== null)).toEqual([]);
  });
});

describe('successor tokens are not a function of (server secret, predecessor, database)', () => {
  const files = [join(tmpdir(), `nta-succ-a-${process.pid}.sqlite`), join(tmpdir(), `nta-succ-b-${process.pid}.sqlite`)];
  afterAll(() => files.forEach((f) => rmSync(f, { force: true })));

  it('two servers with the same secret and byte-identical databases mint different successors for the same token', async () => {
    const first = await createTestApp({ database: { name: 'sqlite', options: { type: 'better-sqlite3', database: files[0] }, drop: async () => undefined }, mode: 'rotate' });
    let login;
    try {
      await first.register('quinn');
      login = await first.login('quinn');
    } finally {
      await first.close();
    }
    copyFileSync(files[0], files[1]);
    const answers: string[] = [];
    for (const file of files) {
      const app = await createTestApp({ database: { name: 'sqlite', options: { type: 'better-sqlite3', database: file }, drop: async () => undefined }, mode: 'rotate' });
      try {
        const body = (await app.http().post('/auth/refresh').send({ refreshToken: login.refreshToken })).body;
        expect(body.refreshToken).toBeDefined();
        answers.push(`${body.token} ${body.refreshToken}`);
      } finally {
        await app.close();
      }
    }
    expect(answers[0]).not.toBe(answers[1]);
  });
});
