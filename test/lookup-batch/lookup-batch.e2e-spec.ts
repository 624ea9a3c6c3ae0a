import { randomBytes } from 'node:crypto';
import { TokenAuthEvent, TokenAuthService } from '../../lib';
import { TokenAuthEvents } from '../../lib/token-auth.events.service';
import { BASE62, forgeToken } from '../hostile/hostile-input';
import { selectedDatabases } from '../support/databases';
import { countQueries } from '../support/query-counter';
import { bearer, createTestApp, TestApp } from '../support/test-app';

/** A base62 string of `length` characters (an unknown key id or a wrong secret). */
const base62 = (length: number) => [...randomBytes(length)].map((b) => BASE62[b % 62]).join('');

/**
 * Lookups that arrive together share one statement on PostgreSQL (`key_id = ANY($1)`); on every
 * database each request must still get exactly its own answer: its user, or its own refusal.
 */
describe.each(selectedDatabases())('concurrent lookups and use writes on %s', (database) => {
  let t: TestApp;
  const users = ['ada', 'bea', 'cyd'];
  beforeAll(async () => {
    t = await createTestApp({ database, mode: 'extend', options: { cache: false } });
    for (const user of users) await t.register(user);
  });
  afterAll(() => t.close());

  /** 24 live sessions, 6 revoked, 6 with a known key id and a wrong secret, 6 unknown key ids; some sent twice. */
  async function crowd() {
    const live: { token: string; user: string }[] = [];
    for (let i = 0; i < 24; i++) {
      const user = users[i % users.length];
      live.push({ token: (await t.login(user)).token, user });
    }
    const revoked: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { token } = await t.login(users[i % users.length]);
      await t.http().post('/auth/logout').set('Authorization', bearer(token)).expect(204);
      revoked.push(token);
    }
    const wrongSecret = live.slice(0, 6).map(({ token }) => forgeToken('at', token.slice(7, 19) + base62(32)));
    const unknown = Array.from({ length: 6 }, () => forgeToken('at', base62(44)));
    return { live, revoked, wrongSecret, unknown };
  }

  it('gives each of 48 concurrent HTTP requests its own answer', async () => {
    const { live, revoked, wrongSecret, unknown } = await crowd();
    const cases = [
      ...live.map(({ token, user }) => ({ token, expect: { status: 200, username: user, reason: undefined } })),
      ...live.slice(0, 6).map(({ token, user }) => ({ token, expect: { status: 200, username: user, reason: undefined } })),
      ...revoked.map((token) => ({ token, expect: { status: 401, username: undefined, reason: 'revoked' } })),
      ...wrongSecret.map((token) => ({ token, expect: { status: 401, username: undefined, reason: 'unknown' } })),
      ...unknown.map((token) => ({ token, expect: { status: 401, username: undefined, reason: 'unknown' } })),
    ];
    const answers = await Promise.all(
      cases.map(async ({ token }) => {
        const response = await t.http().get('/me').set('Authorization', bearer(token));
        return { status: response.status, username: response.body.username, reason: response.body.reason };
      }),
    );
    expect(answers).toEqual(cases.map((c) => c.expect));
  });

  it('answers lookups made in the same turn with one statement on PostgreSQL, one each elsewhere', async () => {
    const { live, revoked, unknown } = await crowd();
    const service = t.app.get(TokenAuthService);
    const tokens = [...live.map((l) => l.token), live[0].token, ...revoked, ...unknown];
    const counter = countQueries(t.dataSource);
    let outcomes: string[];
    try {
      outcomes = await Promise.all(
        tokens.map((token) =>
          service.authenticate(token).then(
            (auth) => `${(auth.user as { username: string }).username} ${auth.session.id}`,
            (error) => `refused ${error.getResponse?.().reason}`,
          ),
        ),
      );
    } finally {
      counter.restore();
    }
    // Each token got its own user and its own session (the sent-twice token the same one twice).
    const sessions = await Promise.all(live.map(({ token }) => t.http().get('/auth/token').set('Authorization', bearer(token)).then((r) => r.body.id as string)));
    const expected = [...live.map(({ user }, i) => `${user} ${sessions[i]}`), `${live[0].user} ${sessions[0]}`, ...revoked.map(() => 'refused revoked'), ...unknown.map(() => 'refused unknown')];
    expect(outcomes).toEqual(expected);
    expect(new Set(sessions).size).toBe(live.length);
    const selects = counter.queries.filter((q) => /^SELECT .* FROM \S*auth_tokens\W* WHERE key_id/i.test(q));
    if (database === 'postgres') expect(selects).toEqual([expect.stringMatching(/WHERE key_id = ANY\(\$1\)$/)]);
    else expect(selects).toHaveLength(tokens.length);
  });

  it('writes uses through the batched UPDATE on PostgreSQL; each due token slides once, a token used twice too', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 12; i++) tokens.push((await t.login(users[i % users.length])).token);
    // Every token is due a write: its expiry would move by more than minRefreshInterval (60 s).
    t.clock.advance(120);
    const now = t.clock.ms;
    const extended: TokenAuthEvent[] = [];
    t.app.get(TokenAuthEvents).subscribe((event) => event.type === 'extended' && extended.push(event));
    const service = t.app.get(TokenAuthService);
    const counter = countQueries(t.dataSource);
    let expiries: (number | null)[];
    try {
      expiries = await Promise.all([...tokens, tokens[0]].map((token) => service.authenticate(token).then((auth) => auth.expiresAt)));
    } finally {
      counter.restore();
    }
    // ttl is 10 h by default: every token now expires 10 h from now. Of the two concurrent uses of the
    // first token, both read the row before either wrote it; one write slides it, the other changes
    // nothing and reports the expiry it read, as it always did on every database.
    const slid = now + 10 * 3600 * 1000;
    expect(expiries.slice(1, tokens.length)).toEqual(Array(tokens.length - 1).fill(slid));
    expect([expiries[0], expiries[tokens.length]].sort()).toEqual([slid - 120_000, slid]);
    const updates = counter.queries.filter((q) => /^UPDATE/i.test(q));
    if (database === 'postgres') {
      // Uses that reach the store in the same turn share a statement (how many do depends on when each
      // user lookup answered; lib/storage/turn-batch.spec.ts pins the grouping itself).
      expect(updates.every((q) => /FROM unnest\(/.test(q))).toBe(true);
      expect(updates.length).toBeLessThanOrEqual(tokens.length + 1);
    } else {
      expect(updates).toHaveLength(tokens.length + 1);
    }
    expect(extended).toHaveLength(tokens.length);
    const rows = await t.dataSource.query(`SELECT expires_at FROM auth_tokens WHERE key_id IN (${tokens.map((token) => `'${token.slice(7, 19)}'`).join(', ')})`);
    expect(rows.map((row: { expires_at: string | number }) => Number(row.expires_at))).toEqual(Array(tokens.length).fill(slid));
  });
});
