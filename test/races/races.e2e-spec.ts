import { TokenAuthService, TokenRotationService } from '../../lib';
import { selectedDatabases } from '../support/databases';
import { createTestApp, TestApp } from '../support/test-app';

const ROUNDS = Number(process.env.RACE_ROUNDS ?? 1000);
const CHAINS = 10;
const report = (line: string) => process.stdout.write(`[race] ${line}\n`);
const count = async (t: TestApp, sql: string) => Number((await t.dataSource.query(sql))[0].n);

describe.each(selectedDatabases())('races on %s (real parallel connections)', (database) => {
  describe('refresh rotation', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ database, mode: 'rotate', options: { reuseGrace: 30 } });
      await t.register('racer');
    });
    afterAll(() => t.close());

    it(`${ROUNDS} rounds of 10-20 concurrent refreshes: one successor per round, no wrong revocation`, async () => {
      const rotation = t.app.get(TokenRotationService);
      let requests = 0;
      let badRounds = 0;
      // Independent families race side by side (each round still hits one token 10-20 times at once).
      const chain = async (rounds: number) => {
        let current = (await t.login('racer')).refreshToken!;
        for (let round = 0; round < rounds; round++) {
          const width = 10 + (round % 11);
          requests += width;
          const results = await Promise.allSettled(Array.from({ length: width }, () => rotation.refresh(current)));
          const answers = new Set(results.map((r) => (r.status === 'fulfilled' ? `${r.value.token}|${r.value.refreshToken}` : `error:${(r.reason as Error).message}`)));
          if (answers.size !== 1 || results.some((r) => r.status === 'rejected')) badRounds++;
          const first = results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<any> | undefined;
          if (!first) throw new Error(`every request of a round failed: ${(results[0] as PromiseRejectedResult).reason}`);
          current = first.value.refreshToken;
        }
      };
      await Promise.all(Array.from({ length: CHAINS }, () => chain(ROUNDS / CHAINS)));
      const successors = await count(t, "SELECT COUNT(*) AS n FROM auth_tokens WHERE kind = 'refresh' AND parent_id IS NOT NULL");
      const forks = await count(t, "SELECT COUNT(*) AS n FROM auth_tokens p WHERE p.kind = 'refresh' AND (SELECT COUNT(*) FROM auth_tokens c WHERE c.parent_id = p.id AND c.kind = 'refresh') > 1");
      const revoked = await count(t, 'SELECT COUNT(*) AS n FROM auth_tokens WHERE revoked_at IS NOT NULL');
      report(`${database}: ${ROUNDS} rounds (${CHAINS} families side by side), ${requests} refreshes: ${successors} successors minted (expected ${ROUNDS}), ${badRounds} rounds with more than one distinct answer or an error, ${forks} tokens with 2+ successors, ${revoked} rows wrongly revoked`);
      expect({ successors, badRounds, forks, revoked }).toEqual({ successors: ROUNDS, badRounds: 0, forks: 0, revoked: 0 });
    }, 600_000);
  });

  describe('logout racing a refresh of the same session', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ database, mode: 'rotate' });
      await t.register('quitter');
    });
    afterAll(() => t.close());

    it('leaves no live token in the session in 200 rounds', async () => {
      const auth = t.app.get(TokenAuthService);
      const rotation = t.app.get(TokenRotationService);
      let survivors = 0;
      let failedLogouts = 0;
      for (let round = 0; round < 200; round++) {
        const login = await t.login('quitter');
        const access = await auth.authenticate(login.token);
        const [, logout] = await Promise.allSettled([rotation.refresh(login.refreshToken!), auth.logout(access)]);
        if (logout.status === 'rejected') failedLogouts++;
        const live = await count(t, `SELECT COUNT(*) AS n FROM auth_tokens WHERE family_id = '${access.session.sessionId}' AND revoked_at IS NULL AND spent_at IS NULL`);
        if (live > 0) survivors++;
      }
      report(`${database}: 200 rounds of logout racing a refresh: ${survivors} sessions with a live token left, ${failedLogouts} failed logouts`);
      expect({ survivors, failedLogouts }).toEqual({ survivors: 0, failedLogouts: 0 });
    });
  });

  describe('logins against tokenLimitPerUser', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ database, mode: 'extend', options: { tokenLimitPerUser: 3 } });
    });
    afterAll(() => t.close());

    it('never goes over the limit in 100 rounds of 10 concurrent logins', async () => {
      const auth = t.app.get(TokenAuthService);
      let over = 0;
      let wrongSuccesses = 0;
      for (let round = 0; round < 100; round++) {
        const user = { id: `limit-${round}` };
        const results = await Promise.allSettled(Array.from({ length: 10 }, () => auth.login(user)));
        const ok = results.filter((r) => r.status === 'fulfilled').length;
        const live = await count(t, `SELECT COUNT(*) AS n FROM auth_tokens WHERE user_id = 'limit-${round}'`);
        if (live > 3) over++;
        if (ok !== 3) wrongSuccesses++;
      }
      report(`${database}: 100 rounds × 10 concurrent logins, limit 3: ${over} rounds over the limit, ${wrongSuccesses} rounds without exactly 3 successes`);
      expect({ over, wrongSuccesses }).toEqual({ over: 0, wrongSuccesses: 0 });
    });
  });

  describe('concurrent sliding writes', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ database, mode: 'extend', options: { ttl: 600, minRefreshInterval: 60 } });
      await t.register('slider');
    });
    afterAll(() => t.close());

    it('loses no expiry and never deadlocks in 200 rounds of 10 concurrent uses', async () => {
      const auth = t.app.get(TokenAuthService);
      const { token } = await t.login('slider');
      let lost = 0;
      let failed = 0;
      for (let round = 0; round < 200; round++) {
        t.clock.advance(61);
        const results = await Promise.allSettled(Array.from({ length: 10 }, () => auth.authenticate(token)));
        failed += results.filter((r) => r.status === 'rejected').length;
        const stored = await count(t, `SELECT expires_at AS n FROM auth_tokens WHERE key_id = '${token.slice(7, 19)}'`);
        if (stored !== t.clock.now() + 600_000) lost++;
      }
      report(`${database}: 200 rounds × 10 concurrent sliding uses: ${lost} lost expiries, ${failed} failed requests`);
      expect({ lost, failed }).toEqual({ lost: 0, failed: 0 });
    });
  });
});
