import fc from 'fast-check';
import { selectedDatabases } from '../support/databases';
import { createTestApp, MODES, PASSWORD, TestApp } from '../support/test-app';
import { hostileString, hostileUnit, runs, Tally } from './hostile-input';
import { rawRequest } from './raw-http';

/** What the module's validation (lib/request-body.ts, per DESIGN.md) must answer for a parsed JSON body. */
interface Verdict {
  status: number;
  /** The field a 400 names; `undefined` when express refused the body before the module saw it. */
  field?: string;
  or?: Verdict[];
}

function verdictFor(body: unknown, limits: Record<string, number>, optional: string[], onValid: (fields: any) => number): Verdict {
  if (body === null || typeof body !== 'object') return { status: 400 }; // strict JSON parser: objects and arrays only
  if (Array.isArray(body)) return { status: 400, field: 'body' };
  const unknown = Object.keys(body).find((key) => !Object.hasOwn(limits, key));
  // Only a plain field name is echoed back; anything else could be a secret sent as a form key (see the secrets spec).
  if (unknown !== undefined) return { status: 400, field: /^[A-Za-z_$][\w$-]{0,31}$/.test(unknown) ? unknown : 'body' };
  for (const [field, max] of Object.entries(limits)) {
    const value = (body as Record<string, unknown>)[field];
    if (optional.includes(field) && (value === undefined || value === null)) continue;
    if (typeof value !== 'string' || value.length === 0 || value.length > max) return { status: 400, field };
    // Control characters are refused as a client error (PostgreSQL cannot even store NUL).
    if (/[\u0000-\u001f\u007f]/.test(value)) return { status: 400, field };
  }
  return { status: onValid(body) };
}

const loginVerdict = (body: unknown) =>
  verdictFor(body, { username: 150, password: 1024, name: 100 }, ['name'], (b) => (b.username === 'mallory' && b.password === PASSWORD ? 200 : 401));

describe.each(selectedDatabases())('hostile request bodies on %s', (database) => {
  describe.each(MODES)('%s mode', (mode) => {
    let t: TestApp;
    const tally = new Tally();

    const refreshVerdict = (body: unknown): Verdict => {
      if (mode === 'extend') return body !== null && typeof body === 'object' ? { status: 404 } : { status: 400 };
      return verdictFor(body, { refreshToken: 512 }, [], () => 400); // a string that is no live refresh token: invalid_grant
    };

    beforeAll(async () => {
      t = await createTestApp({ database, mode });
      await t.register('mallory');
    });
    afterAll(async () => {
      process.stdout.write(tally.line(`${database}/${mode} login and refresh bodies`));
      await t.close();
    });

    const postJson = (path: string, text: string) => t.http().post(path).set('Content-Type', 'application/json').send(text);

    /** Checks one answer against its verdict: the status, and for a 400 from the module, the field it names. */
    function expectVerdict(response: { status: number; body: any }, expected: Verdict): void {
      tally.see(response.status);
      const verdict = expected.or?.find((v) => v.status === response.status && v.field === response.body?.field) ?? expected;
      expect(response.status).toBe(verdict.status);
      if (verdict.status === 400 && verdict.field !== undefined) {
        expect(response.body).toMatchObject({ error: 'invalid_request', field: verdict.field, message: expect.any(String) });
        if (['username', 'password', 'name', 'refreshToken'].includes(verdict.field)) expect(response.body.message).toContain(verdict.field);
      } else if (verdict.status === 400 && mode === 'rotate' && response.body.error === 'invalid_grant') {
        expect(response.body.reason).toBe('malformed');
      } else if (verdict.status === 400) {
        expect(response.body.message).toMatch(/JSON|invalid_grant/);
      }
    }

    describe('login', () => {
      it.each<[string, string, string]>([
        ['an empty object', JSON.stringify({}), 'username'],
        ['a missing password', JSON.stringify({ username: 'mallory' }), 'password'],
        ['a number username', JSON.stringify({ username: 42, password: PASSWORD }), 'username'],
        ['an array username', JSON.stringify({ username: ['mallory'], password: PASSWORD }), 'username'],
        ['an object password', JSON.stringify({ username: 'mallory', password: { $ne: '' } }), 'password'],
        ['a boolean password', JSON.stringify({ username: 'mallory', password: true }), 'password'],
        ['a null username', JSON.stringify({ username: null, password: PASSWORD }), 'username'],
        ['an empty username', JSON.stringify({ username: '', password: PASSWORD }), 'username'],
        ['a number name', JSON.stringify({ username: 'mallory', password: PASSWORD, name: 7 }), 'name'],
        ['a 151-character username', JSON.stringify({ username: 'u'.repeat(151), password: PASSWORD }), 'username'],
        ['a 90 KB username (under the body limit)', JSON.stringify({ username: 'u'.repeat(90_000), password: PASSWORD }), 'username'],
        ['a 1,025-character password', JSON.stringify({ username: 'mallory', password: 'p'.repeat(1025) }), 'password'],
        ['a 101-character name', JSON.stringify({ username: 'mallory', password: PASSWORD, name: 'n'.repeat(101) }), 'name'],
        ['an extra field', JSON.stringify({ username: 'mallory', password: PASSWORD, admin: true }), 'admin'],
        ['a __proto__ field', '{"__proto__":{"admin":true},"username":"mallory","password":"x"}', '__proto__'],
        ['a constructor field', JSON.stringify({ constructor: 1, username: 'mallory', password: PASSWORD }), 'constructor'],
        ['5,000 extra fields', JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]))), 'k0'],
        ['an array', JSON.stringify(['mallory', PASSWORD]), 'body'],
        ['an empty array', JSON.stringify([]), 'body'],
        ['an empty body (express parses it as {})', '', 'username'],
        ['an array nested 30,000 deep', '['.repeat(30_000) + ']'.repeat(30_000), 'body'],
      ])('answers %s with 400 naming the field', async (_label, text, field) => {
        expectVerdict(await postJson('/auth/login', text), { status: 400, field });
      });

      it.each([
        ['a string', '"mallory"'],
        ['a number', '42'],
        ['null', 'null'],
        ['true', 'true'],
        ['truncated JSON', '{"username":"mallory","password":'],
        ['single-quoted JSON', "{'username':'mallory'}"],
      ])('answers %s with 400 from the JSON parser, which names the problem', async (_label, text) => {
        const response = await postJson('/auth/login', text);
        tally.see(response.status);
        // express's strict parser stops these before the module, so there is no `field`.
        expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(/JSON/) });
      });

      it.each([
        ['text/plain', 'text/plain'],
        ['application/xml', 'application/xml'],
        ['multipart/form-data', 'multipart/form-data; boundary=x'],
        ['a JSON vendor type express does not parse', 'application/vnd.api+json'],
      ])('answers a JSON body sent as %s with 400 naming the body', async (_label, type) => {
        const response = await t.http().post('/auth/login').set('Content-Type', type).send(JSON.stringify({ username: 'mallory', password: PASSWORD }));
        expectVerdict(response, { status: 400, field: 'body' });
      });

      it('answers a body without any content type with 400 naming the body', async () => {
        const response = await rawRequest(t.url, 'POST', '/auth/login', [], JSON.stringify({ username: 'mallory', password: PASSWORD }));
        tally.see(response.status);
        expect([response.status, JSON.parse(response.body).field]).toEqual([400, 'body']);
      });

      it("takes a form-encoded login (express parses forms) and still validates each field", async () => {
        const form = (text: string) => t.http().post('/auth/login').type('form').send(text);
        expect((await form(`username=mallory&password=${encodeURIComponent(PASSWORD)}`)).status).toBe(200);
        expectVerdict(await form('username[a]=1&password=x'), { status: 400, field: 'username' });
      });

      it.each([
        ['an unsupported charset', { 'Content-Type': 'application/json; charset=latin1' }, 415],
        ['an unknown content encoding', { 'Content-Type': 'application/json', 'Content-Encoding': 'x-unknown' }, 415],
        ['a gzip body that is not gzip', { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, 400],
      ])("answers %s with express's own %s, not a 500", async (_label, headers, status) => {
        const response = await t.http().post('/auth/login').set(headers).send('{"username":"mallory","password":"x"}');
        tally.see(response.status);
        expect([response.status, response.body.statusCode]).toEqual([status, status]);
      });

      it("answers a 1 MB JSON body with express's own 413 (its limit is 100 KB), not a 500, and keeps serving", async () => {
        const response = await t.http().post('/auth/login').send({ username: 'u'.repeat(1 << 20), password: PASSWORD });
        tally.see(response.status);
        expect(response.status).toBe(413);
        expect(response.body).toEqual({ statusCode: 413, message: 'request entity too large' });
        expect((await t.http().post('/auth/login').send({ username: 'mallory', password: PASSWORD })).status).toBe(200);
      });

      it('answers arbitrary JSON values with 400 naming the field or 401, never 5xx', async () => {
        await fc.assert(
          fc.asyncProperty(fc.jsonValue({ maxDepth: 3, stringUnit: hostileUnit }), async (value) => {
            expectVerdict(await postJson('/auth/login', JSON.stringify(value)), loginVerdict(value));
          }),
          { numRuns: runs(200) },
        );
      });

      it('answers login-shaped bodies with hostile fields exactly as the validation rules say (200, 400 + field, 401)', async () => {
        const field = (correct: string) =>
          fc.oneof(fc.constant(correct), hostileString(12), hostileString(200), fc.jsonValue({ maxDepth: 1 }), fc.constant(undefined));
        // Not `scope`: login takes it too, with rules of its own (lib/token-scopes.ts) this oracle does not model.
        const extra = fc.option(fc.tuple(hostileString(10).filter((key) => key !== 'scope'), fc.jsonValue({ maxDepth: 1 })), { freq: 5 });
        const body = fc
          .tuple(fc.record({ username: field('mallory'), password: field(PASSWORD), name: fc.oneof(hostileString(30), fc.constant(null)) }, { requiredKeys: [] }), extra)
          .map(([fields, more]) => JSON.parse(JSON.stringify(more ? { ...fields, [more[0]]: more[1] } : fields)));
        await fc.assert(
          fc.asyncProperty(body, async (value) => {
            expectVerdict(await postJson('/auth/login', JSON.stringify(value)), loginVerdict(value));
          }),
          {
            numRuns: runs(200),
            // Known troublemakers first, so every run tries them (PostgreSQL refuses NUL in text).
            examples: [[{ username: 'mal\u0000lory', password: PASSWORD }], [{ username: 'mallory', password: PASSWORD, name: 'lap\u0000top' }]],
          },
        );
      });

      it('answers a NUL character in the username with 400 naming "username", never a 5xx', async () => {
        const response = await t.http().post('/auth/login').send({ username: 'mal\u0000lory', password: PASSWORD });
        tally.see(response.status);
        expect([response.status, response.body.field]).toEqual([400, 'username']);
      });

      it('answers a NUL character in the session name with 400 naming "name", never a 5xx', async () => {
        const response = await t.http().post('/auth/login').send({ username: 'mallory', password: PASSWORD, name: 'lap\u0000top' });
        tally.see(response.status);
        expect([response.status, response.body.field]).toEqual([400, 'name']);
      });

      it('takes hostile names (non-ASCII, emoji, lone surrogates, 100 characters) on a correct login', async () => {
        for (const name of ['é'.repeat(100), '😀'.repeat(50), '\ud800x', 'a\u200bb\u2028c', '\u00ff\u0085\ufeff']) {
          const response = await t.http().post('/auth/login').send({ username: 'mallory', password: PASSWORD, name });
          tally.see(response.status);
          expect([name, response.status]).toEqual([name, 200]);
        }
      });

      it('takes a correct login whatever bytes the User-Agent holds', async () => {
        const byte = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09));
        const body = JSON.stringify({ username: 'mallory', password: PASSWORD });
        await fc.assert(
          fc.asyncProperty(fc.array(byte, { minLength: 1, maxLength: 600 }), async (bytes) => {
            const agent = Buffer.from(bytes);
            const response = await rawRequest(t.url, 'POST', '/auth/login', [['Content-Type', 'application/json'], ['User-Agent', agent]], body);
            tally.see(response.status);
            expect(response.status).toBe(200);
          }),
          { numRuns: runs(30) },
        );
      });

      it('answers raw bytes sent as JSON (invalid UTF-8 included) with 400, never 5xx', async () => {
        await fc.assert(
          fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.constantFrom('', '{"username":"', '{"'), async (bytes, head) => {
            const response = await rawRequest(t.url, 'POST', '/auth/login', [['Content-Type', 'application/json']], Buffer.concat([Buffer.from(head), bytes]));
            tally.see(response.status);
            expect([400, 401]).toContain(response.status);
          }),
          { numRuns: runs(100) },
        );
      });
    });

    describe('refresh', () => {
      it.each<[string, unknown, string | undefined]>([
        ['an empty object', {}, 'refreshToken'],
        ['a number token', { refreshToken: 5 }, 'refreshToken'],
        ['an array token', { refreshToken: ['ntk_rt_x'] }, 'refreshToken'],
        ['an object token', { refreshToken: { $gt: '' } }, 'refreshToken'],
        ['a null token', { refreshToken: null }, 'refreshToken'],
        ['an empty token', { refreshToken: '' }, 'refreshToken'],
        ['a 513-character token', { refreshToken: 'r'.repeat(513) }, 'refreshToken'],
        ['an extra field', { refreshToken: 'x', grant_type: 'refresh_token' }, 'grant_type'],
        ['an array', ['x'], 'body'],
        ['a 512-character garbage token', { refreshToken: 'r'.repeat(512) }, undefined],
      ])('answers %s with 400 (404 in extend mode)', async (_label, body, field) => {
        const verdict = refreshVerdict(body);
        expect([verdict.status, verdict.field]).toEqual(mode === 'extend' ? [404, undefined] : [400, field]);
        expectVerdict(await postJson('/auth/refresh', JSON.stringify(body)), verdict);
      });

      it.each([['a string', '"x"'], ['null', 'null'], ['true', 'true'], ['invalid JSON', '{"refreshToken":']])(
        'answers %s with 400 from the JSON parser, in both modes',
        async (_label, text) => {
          const response = await postJson('/auth/refresh', text);
          tally.see(response.status);
          expect([response.status, response.body.message]).toEqual([400, expect.stringMatching(/JSON/)]);
        },
      );

      it('answers a body without a JSON content type with 400 naming the body (404 in extend mode)', async () => {
        const response = await t.http().post('/auth/refresh').set('Content-Type', 'text/plain').send('{"refreshToken":"x"}');
        expectVerdict(response, mode === 'extend' ? { status: 404 } : { status: 400, field: 'body' });
      });

      it("answers a 1 MB JSON body with express's own 413, not a 500", async () => {
        const response = await t.http().post('/auth/refresh').send({ refreshToken: 'r'.repeat(1 << 20) });
        tally.see(response.status);
        expect([response.status, response.body.statusCode]).toEqual([413, 413]);
      });

      it('answers arbitrary JSON values and refresh-shaped bodies with 400 (404 in extend mode), never 5xx', async () => {
        const shaped = fc
          .tuple(fc.oneof(hostileString(20), hostileString(600), fc.jsonValue({ maxDepth: 1 })), fc.option(hostileString(8)))
          .map(([token, extra]) => JSON.parse(JSON.stringify(extra === null ? { refreshToken: token } : { refreshToken: token, [extra]: 1 })));
        await fc.assert(
          fc.asyncProperty(fc.oneof(fc.jsonValue({ maxDepth: 3, stringUnit: hostileUnit }), shaped), async (value) => {
            expectVerdict(await postJson('/auth/refresh', JSON.stringify(value)), refreshVerdict(value));
          }),
          { numRuns: runs(200) },
        );
      });
    });

    it('answered everything with a 4xx (or a 200 for correct logins), never a 5xx', () => {
      expect(tally.serverErrors).toBe(0);
    });
  });
});
