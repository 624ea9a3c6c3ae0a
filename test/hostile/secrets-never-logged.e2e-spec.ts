import request from 'supertest';
import { selectedDatabases } from '../support/databases';
import { countQueries, QueryCounter } from '../support/query-counter';
import { bearer, createTestApp, MODES, PASSWORD, TEST_SECRET, TestApp } from '../support/test-app';
import { rawRequest } from './raw-http';

/** Something seen on the way out of the app: a log line, an event, an error response, a printed query. */
interface Seen {
  where: string;
  text: string;
}

/**
 * The needles: every issued token, its 32-character secret and every 12-character run of that secret
 * (so a truncated echo is caught too), the server secret, the test password and the stored digests.
 */
class Secrets {
  private readonly needles = new Map<string, string>();

  addToken(token: string | undefined, label: string): void {
    if (!token) return;
    const secret = token.slice('ntk_at_'.length + 12, 'ntk_at_'.length + 44);
    this.needles.set(token, `${label}`);
    for (let i = 0; i + 12 <= secret.length; i++) this.needles.set(secret.slice(i, i + 12), `${label} secret[${i}..${i + 11}]`);
  }

  add(value: string, label: string): void {
    this.needles.set(value, label);
  }

  /** Every needle found in what was seen, with where (one line per secret and place). */
  find(seen: Seen[]): string[] {
    const found = new Set<string>();
    for (const { where, text } of seen) {
      for (const [needle, label] of this.needles) {
        if (text.includes(needle)) found.add(`${label.replace(/\[\d+\.\.\d+\]$/, '')} in ${where}: ${text.slice(0, 200)}`);
      }
    }
    return [...found];
  }
}

describe.each(selectedDatabases())('secrets never logged on %s', (database) => {
  describe.each(MODES)('%s mode', (mode) => {
    let t: TestApp;
    let queries: QueryCounter;
    const events: unknown[] = [];
    const secrets = new Secrets();
    /** Every response but the login/refresh successes, whose bodies carry their own tokens by design. */
    const answers: Seen[] = [];
    const printed: Seen[] = [];
    const statusOf = new Map<string, number>();

    beforeAll(async () => {
      t = await createTestApp({ database, mode, options: { onEvent: (event) => void events.push(event) } });
      await t.register('alice');
      queries = countQueries(t.dataSource);
      secrets.add(TEST_SECRET, 'server secret');
      secrets.add(PASSWORD, 'password');
    });
    afterAll(async () => {
      queries.restore();
      await t.close();
    });

    /** Records a response; bodies that hand out tokens are recorded without their body. */
    async function call(label: string, pending: request.Test | Promise<request.Response>): Promise<request.Response> {
      const response = await pending;
      statusOf.set(label, response.status);
      const handsOutTokens = response.status === 200 && typeof response.body?.token === 'string';
      if (handsOutTokens) {
        secrets.addToken(response.body.token, `${label} token`);
        secrets.addToken(response.body.refreshToken, `${label} refresh token`);
      }
      answers.push({ where: `${label} → ${response.status} headers`, text: JSON.stringify(response.headers) });
      if (!handsOutTokens) answers.push({ where: `${label} → ${response.status} body`, text: response.text ?? '' });
      return response;
    }

    /** Also catches anything written straight to the console or the process streams while `work` runs. */
    async function capturingConsole(work: () => Promise<void>): Promise<void> {
      const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((name) =>
        jest.spyOn(console, name).mockImplementation((...parts: unknown[]) => void printed.push({ where: `console.${name}`, text: parts.map(String).join(' ') })),
      );
      const writes = [process.stdout, process.stderr].map((stream) => {
        const original = stream.write.bind(stream);
        stream.write = ((chunk: unknown, ...rest: any[]) => (printed.push({ where: 'process stream', text: String(chunk) }), original(chunk as any, ...rest))) as any;
        return () => (stream.write = original as any);
      });
      try {
        await work();
      } finally {
        spies.forEach((spy) => spy.mockRestore());
        writes.forEach((undo) => undo());
      }
    }

    const everythingSeen = (): Seen[] => [
      ...t.logs.lines.map((text, i) => ({ where: `log line ${i}`, text })),
      ...events.map((event, i) => ({ where: `event ${i}`, text: JSON.stringify(event) })),
      ...printed,
      ...answers,
    ];

    it('drives every route, failures included, and no token, secret, password or server secret reaches a log line or an error answer', async () => {
      const post = (path: string) => t.http().post(path);
      await capturingConsole(async () => {
        const first = (await call('login', post('/auth/login').send({ username: 'alice', password: PASSWORD, name: 'laptop' }))).body;
        const second = (await call('second login', post('/auth/login').send({ username: 'alice', password: PASSWORD }))).body;
        await call('bad login', post('/auth/login').send({ username: 'alice', password: 'wrong' }));
        await call('unknown user', post('/auth/login').send({ username: 'nobody', password: PASSWORD }));
        await call('token pasted as username', post('/auth/login').send({ username: first.token, password: PASSWORD }));
        await call('token pasted as name', post('/auth/login').send({ username: 'alice', password: 'wrong', name: first.token }));
        await call('me', t.http().get('/me').set('Authorization', bearer(first.token)));
        await call('token details', t.http().get('/auth/token').set('Authorization', bearer(first.token)));
        await call('session list', t.http().get('/auth/tokens').set('Authorization', bearer(first.token)));

        // Malformed and misplaced tokens.
        const flipped = first.token.slice(0, -1) + (first.token.endsWith('A') ? 'B' : 'A');
        await call('flipped checksum', t.http().get('/me').set('Authorization', bearer(flipped)));
        await call('token plus a char', t.http().get('/me').set('Authorization', bearer(first.token + 'x')));
        await call('two tokens', t.http().get('/me').set('Authorization', `Bearer ${first.token} ${second.token}`));
        await call('wrong scheme', t.http().get('/me').set('Authorization', `Basic ${first.token}`));
        await call('token in the query', t.http().get(`/me?access_token=${first.token}`));
        const long = await rawRequest(t.url, 'GET', '/me', [['Authorization', `Bearer ${first.token}${'x'.repeat(5000)}`]]);
        answers.push({ where: `oversized header → ${long.status}`, text: long.head + long.body });

        if (mode === 'extend') {
          await call('extend', post('/auth/extend').set('Authorization', bearer(first.token)));
          await call('refresh in extend mode', post('/auth/refresh').send({ refreshToken: first.token }));
        } else {
          await call('refresh token as bearer', t.http().get('/me').set('Authorization', bearer(first.refreshToken)));
          await call('access token as refresh token', post('/auth/refresh').send({ refreshToken: first.token }));
          const next = (await call('refresh', post('/auth/refresh').send({ refreshToken: first.refreshToken }))).body;
          await call('replay in grace', post('/auth/refresh').send({ refreshToken: first.refreshToken }));
          t.clock.advance(60);
          await call('replay after grace (reuse)', post('/auth/refresh').send({ refreshToken: first.refreshToken }));
          await call('revoked successor', t.http().get('/me').set('Authorization', bearer(next.token)));
          await call('revoked successor refresh', post('/auth/refresh').send({ refreshToken: next.refreshToken }));
          await call('refresh as invalid JSON', post('/auth/refresh').set('Content-Type', 'application/json').send(`{"refreshToken": ${second.refreshToken}}`));
          await call('refresh with a trailing comma', post('/auth/refresh').set('Content-Type', 'application/json').send(`{"refreshToken": "${second.refreshToken}",}`));
          await call('refresh with an extra field', post('/auth/refresh').send({ refreshToken: second.refreshToken, client_secret: 'x' }));
          await call('refresh token too long', post('/auth/refresh').send({ refreshToken: `${second.refreshToken}x` }));
        }

        const sessionId = (await t.http().get('/auth/token').set('Authorization', bearer(second.token))).body.id;
        const third = (await call('third login', post('/auth/login').send({ username: 'alice', password: PASSWORD }))).body;
        await call('revoke a session', t.http().delete(`/auth/tokens/${sessionId}`).set('Authorization', bearer(third.token)));
        await call('revoked token', t.http().get('/me').set('Authorization', bearer(second.token)));
        await call('logout', post('/auth/logout').set('Authorization', bearer(third.token)));
        await call('logged-out token', post('/auth/logout').set('Authorization', bearer(third.token)));
        const fourth = (await call('fourth login', post('/auth/login').send({ username: 'alice', password: PASSWORD }))).body;
        await call('logout-all', post('/auth/logout-all').set('Authorization', bearer(fourth.token)));
        await call('after logout-all', t.http().get('/auth/tokens').set('Authorization', bearer(fourth.token)));
      });

      // The drive reached the paths it means to: successes, refusals of each kind, reuse detection.
      const expected: Record<string, number> = { login: 200, 'bad login': 401, 'flipped checksum': 401, 'two tokens': 401, logout: 204, 'logged-out token': 401, 'revoke a session': 204 };
      if (mode === 'rotate') Object.assign(expected, { refresh: 200, 'replay in grace': 200, 'replay after grace (reuse)': 400, 'revoked successor': 401 });
      else Object.assign(expected, { extend: 200, 'refresh in extend mode': 404 });
      expect(Object.fromEntries(Object.keys(expected).map((label) => [label, statusOf.get(label)]))).toEqual(expected);

      // Stored digests must not leave the database either.
      const rows: Array<{ digest: string }> = await t.dataSource.query('SELECT digest FROM auth_tokens');
      rows.forEach((row, i) => secrets.add(row.digest, `stored digest ${i}`));
      expect(rows.length).toBeGreaterThan(3);
      expect(t.logs.lines.length).toBeGreaterThan(0);
      expect(secrets.find(everythingSeen())).toEqual([]);
    });

    it('does not echo a refresh token or a password sent as a form (curl -d) in the 400 naming the unknown field', async () => {
      const { refreshToken } = await t.login('alice');
      secrets.addToken(refreshToken, 'refresh token');
      // `curl -d '{"refreshToken":"…"}'` sends a form: express reads the whole JSON text as one field name.
      const sent: Array<[string, string, object]> = [['login sent as a form', '/auth/login', { username: 'alice', password: PASSWORD }]];
      if (mode === 'rotate') sent.push(['refresh sent as a form', '/auth/refresh', { refreshToken }]);
      const seen: Seen[] = [];
      for (const [label, path, body] of sent) {
        const response = await call(label, t.http().post(path).type('form').send(JSON.stringify(body)));
        expect([label, response.status]).toEqual([label, 400]);
        seen.push({ where: `${label} → 400 body`, text: response.text });
      }
      expect(secrets.find(seen)).toEqual([]);
    });

    it('keeps tokens and secrets out of the query log a host would get with TypeORM logging on', () => {
      // The module's SQL holds key ids and digests by design; never a token, its secret or the server secret.
      // (The host's user lookups on test_users carry whatever the client typed as a username, a token included.)
      expect(queries.count).toBeGreaterThan(10);
      const seen = queries.printed.map((text, i) => ({ where: `query ${i}`, text })).filter(({ text }) => !text.includes('test_users'));
      expect(secrets.find(seen).filter((hit) => !hit.startsWith('stored digest'))).toEqual([]);
    });

    it('answers 503 with no secret in the body or the logs once the token table is gone', async () => {
      const live = (await call('login before the outage', t.http().post('/auth/login').send({ username: 'alice', password: PASSWORD }))).body;
      const [linesBefore, answersBefore, printedBefore] = [t.logs.lines.length, answers.length, printed.length];
      await t.dataSource.query('DROP TABLE auth_tokens');
      const outage: request.Response[] = [];
      await capturingConsole(async () => {
        outage.push(await call('login in the outage', t.http().post('/auth/login').send({ username: 'alice', password: PASSWORD })));
        outage.push(await call('me in the outage', t.http().get('/me').set('Authorization', bearer(live.token))));
        outage.push(await call('logout in the outage', t.http().post('/auth/logout').set('Authorization', bearer(live.token))));
        if (mode === 'rotate') outage.push(await call('refresh in the outage', t.http().post('/auth/refresh').send({ refreshToken: live.refreshToken })));
        else outage.push(await call('extend in the outage', t.http().post('/auth/extend').set('Authorization', bearer(live.token))));
      });
      for (const response of outage) {
        expect([response.status, response.body.error]).toEqual([503, 'temporarily_unavailable']);
      }
      expect(t.logs.lines.length).toBeGreaterThan(linesBefore); // the outage is logged, without any secret
      const seen = [
        ...t.logs.lines.slice(linesBefore).map((text, i) => ({ where: `outage log line ${i}`, text })),
        ...answers.slice(answersBefore),
        ...printed.slice(printedBefore),
      ];
      expect(secrets.find(seen)).toEqual([]);
    });
  });
});

describe.each(selectedDatabases())('secrets in a lost database connection on %s', (database) => {
  it.each(MODES)('answers 503 in %s mode with no secret in the body or the logs once the DataSource is destroyed', async (mode) => {
    const t = await createTestApp({ database, mode });
    try {
      await t.register('alice');
      const live = await t.login('alice');
      await t.dataSource.destroy();
      const responses = [
        await t.http().get('/me').set('Authorization', bearer(live.token)),
        await t.http().post('/auth/login').send({ username: 'alice', password: PASSWORD }),
        mode === 'rotate'
          ? await t.http().post('/auth/refresh').send({ refreshToken: live.refreshToken })
          : await t.http().post('/auth/extend').set('Authorization', bearer(live.token)),
      ];
      expect(responses.map((r) => [r.status, r.body.error])).toEqual(responses.map(() => [503, 'temporarily_unavailable']));
      const secrets = new Secrets();
      secrets.addToken(live.token, 'token');
      secrets.addToken(live.refreshToken, 'refresh token');
      secrets.add(TEST_SECRET, 'server secret');
      secrets.add(PASSWORD, 'password');
      const seen = [
        ...t.logs.lines.map((text, i) => ({ where: `log line ${i}`, text })),
        ...responses.map((r, i) => ({ where: `response ${i}`, text: r.text + JSON.stringify(r.headers) })),
      ];
      expect(secrets.find(seen)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
