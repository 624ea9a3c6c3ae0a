import { TokenStoreUnavailableException } from '../../lib';
import { TokenLookup } from '../../lib/token-lookup';
import { TokenIssuer } from '../../lib/token-issuer';
import { TokenRotationService } from '../../lib/token-rotation.service';
import { TokenRecord } from '../../lib/storage/token.entity';
import { TokenStore } from '../../lib/storage/token.store';
import { selectedDatabases } from '../support/databases';
import { countQueries } from '../support/query-counter';
import { bearer, createTestApp, TestApp } from '../support/test-app';

/**
 * Rotations that arrive together share one statement on PostgreSQL (`UPDATE … FROM unnest(…)` and
 * the successors' INSERT in one) and one transaction on SQLite. On every database each refresh must still get exactly its own
 * successors, a token sent twice must still be spent once, and one rotation that fails must fail
 * alone, leaving its refresh token unspent.
 */
describe.each(selectedDatabases())('concurrent rotations on %s', (database) => {
  let t: TestApp;
  const users = ['ada', 'bea', 'cyd'];
  beforeAll(async () => {
    t = await createTestApp({ database, mode: 'rotate', options: { cache: false } });
    for (const user of users) await t.register(user);
  });
  afterAll(() => t.close());

  async function sessions(count: number) {
    const made: { refreshToken: string; user: string }[] = [];
    for (let i = 0; i < count; i++) {
      const user = users[i % users.length];
      made.push({ refreshToken: (await t.login(user)).refreshToken as string, user });
    }
    return made;
  }

  it('gives each of 24 refreshes made in the same turn its own successors, and a token sent twice the same pair', async () => {
    const made = await sessions(24);
    const rotation = t.app.get(TokenRotationService);
    const counter = countQueries(t.dataSource);
    let results: Awaited<ReturnType<TokenRotationService['refresh']>>[];
    try {
      results = await Promise.all([...made, made[0]].map(({ refreshToken }) => rotation.refresh(refreshToken)));
    } finally {
      counter.restore();
    }
    const again = results.pop()!;
    // The token sent twice: one spend, and the second caller gets the identical pair inside the grace window.
    expect({ token: again.token, refreshToken: again.refreshToken }).toEqual({ token: results[0].token, refreshToken: results[0].refreshToken });
    expect(new Set(results.map((r) => r.token)).size).toBe(made.length);
    expect(new Set(results.map((r) => r.sessionId)).size).toBe(made.length);
    // Each new access token is its own session's and its user's.
    const me = await Promise.all(results.map((r) => t.http().get('/auth/token').set('Authorization', bearer(r.token))));
    expect(me.map((response) => response.status)).toEqual(Array(made.length).fill(200));
    expect(me.map((response) => response.body.id)).toEqual(results.map((r) => r.sessionId));
    const whoami = await Promise.all(results.map((r) => t.http().get('/me').set('Authorization', bearer(r.token))));
    expect(whoami.map((response) => response.body.username)).toEqual(made.map((m) => m.user));
    // Each new refresh token works once more.
    const next = await Promise.all(results.map((r) => t.http().post('/auth/refresh').send({ refreshToken: r.refreshToken })));
    expect(next.map((response) => response.status)).toEqual(Array(made.length).fill(200));

    const spends = counter.queries.filter((q) => /^(WITH spent AS \()?UPDATE \S*auth_tokens\W* (AS t )?SET spent_at/i.test(q));
    const transactions = counter.queries.filter((q) => /^(BEGIN|START TRANSACTION)/i.test(q));
    if (database === 'postgres') {
      // One statement for the crowd; the duplicate waits for the next one, which finds its row spent.
      expect(spends).toHaveLength(2);
      expect(spends.every((q) => /FROM unnest\(/.test(q))).toBe(true);
    } else {
      // One spend each; on SQLite in one transaction for the crowd and one for the duplicate.
      expect(spends).toHaveLength(made.length + 1);
      expect(transactions).toHaveLength(database === 'sqlite' ? 2 : made.length + 1);
    }
  });

  it('fails one rotation whose successor cannot be inserted without failing the others, and leaves its token unspent', async () => {
    const made = await sessions(3);
    const lookup = t.app.get(TokenLookup);
    const issuer = t.app.get(TokenIssuer);
    const store = t.app.get(TokenStore);
    const records = await Promise.all(made.map(({ refreshToken }) => lookup.find(lookup.parse(refreshToken)!) as Promise<TokenRecord>));
    const now = t.clock.ms;
    const issued = records.map((record) => issuer.successors(record, now));
    // The middle rotation's access successor reuses the key id of an existing row: the unique index refuses it.
    const taken = (await lookup.find(lookup.parse(made[0].refreshToken)!))!.keyId;
    issued[1].rows[0].keyId = taken;
    const outcomes = await Promise.allSettled(records.map((record, i) => store.rotate(record.id, now, `seal-${i}`, issued[i].rows)));
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: true });
    expect(outcomes[1]).toEqual({ status: 'rejected', reason: expect.any(TokenStoreUnavailableException) });
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: true });

    const state = async (record: TokenRecord) => {
      const row = (await lookup.find(lookup.parse(made[records.indexOf(record)].refreshToken)!))!;
      const children = await t.dataSource.query(`SELECT id FROM auth_tokens WHERE parent_id = ${database === 'postgres' ? '$1' : '?'}`, [record.id]);
      return { spent: row.spentAt !== null, seal: row.successorSeal, children: children.length };
    };
    expect(await state(records[0])).toEqual({ spent: true, seal: 'seal-0', children: 2 });
    expect(await state(records[1])).toEqual({ spent: false, seal: null, children: 0 });
    expect(await state(records[2])).toEqual({ spent: true, seal: 'seal-2', children: 2 });
    // Nothing was lost: the token that failed still refreshes normally.
    const retried = await t.http().post('/auth/refresh').send({ refreshToken: made[1].refreshToken });
    expect(retried.status).toBe(200);
  });
});
