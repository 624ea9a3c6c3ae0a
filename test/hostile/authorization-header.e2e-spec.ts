import fc from 'fast-check';
import { maxHeaderSize } from 'node:http';
import { selectedDatabases } from '../support/databases';
import { countQueries, QueryCounter } from '../support/query-counter';
import { bearer, createTestApp, LoginBody, MODES, TestApp } from '../support/test-app';
import { base62, BASE62, blanks, forgeToken, holdsWellFormedToken, hostileString, runs, Tally } from './hostile-input';
import { headSize, rawRequest, RawResponse } from './raw-http';

type Header = Buffer | string;

describe.each(selectedDatabases())('hostile Authorization headers on %s', (database) => {
  describe.each(MODES)('%s mode', (mode) => {
    let t: TestApp;
    let real: LoginBody;
    let queries: QueryCounter;
    const tally = new Tally();

    beforeAll(async () => {
      // Rate limits on but out of reach, so the guards run as in production (the refresh guard looks tokens up too).
      const limit = { limit: 1_000_000, window: 60 };
      t = await createTestApp({ database, mode, options: { throttle: { login: limit, refresh: limit } } });
      await t.register('mallory');
      real = await t.login('mallory');
      queries = countQueries(t.dataSource);
    });
    afterAll(async () => {
      process.stdout.write(tally.line(`${database}/${mode} Authorization headers`));
      queries.restore();
      await t.close();
    });

    /** Sends one header value on a protected route and records how many statements it cost. */
    async function probe(value: Header): Promise<RawResponse & { queries: number }> {
      queries.reset();
      const response = await rawRequest(t.url, 'GET', '/me', [['Authorization', value]]);
      tally.see(response.status);
      const cost = queries.count;
      if (!holdsWellFormedToken(Buffer.isBuffer(value) ? value.toString('latin1') : value)) {
        tally.checksumFailures++;
        tally.checksumFailureQueries += cost;
      }
      return { ...response, queries: cost };
    }

    /**
     * A refusal is the app's 401 (JSON, invalid_token or no-credentials), Node's own bare 400 for bytes
     * its parser rejects (control characters), or Node's own 431 once the head outgrows
     * `http.maxHeaderSize` (16 KB): the app never sees those, which is the cheapest refusal there is.
     */
    function expectRefused(response: RawResponse, value: Header): void {
      const size = headSize(t.url, 'GET', '/me', [['Authorization', value]]);
      if (response.status === 431) {
        expect(size).toBeGreaterThan(maxHeaderSize);
        return;
      }
      expect([400, 401]).toContain(response.status);
      if (response.status === 400) {
        expect(response.body).toBe(''); // Node's parser, not the app
      } else {
        expect(['invalid_token', 'unauthorized']).toContain(JSON.parse(response.body).error);
      }
    }

    /** No CR/LF in a value: they would end this header line and start another header, not test this one. */
    const oneLine = (text: string) => text.replace(/[\r\n]/g, ' ');

    it('refuses arbitrary header text (any code point, any scheme, any spacing) with 400/401 and no query', async () => {
      const scheme = fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Token', 'token', 'Basic', 'Bearer:', 'Beare', 'JWT', 'ntk', '');
      const text = fc.oneof(
        hostileString(200),
        fc.tuple(blanks(20), scheme, blanks(20), hostileString(120), blanks(20)).map((parts) => parts.join('')),
        fc.tuple(scheme, blanks(3), fc.constantFrom('ntk_at_', 'ntk_rt_', 'NTK_AT_', 'ntk_at', ''), base62(50)).map((parts) => parts.join('')),
      );
      // Both ways a client may put text on the wire: UTF-8, or one byte per char (latin1, what Node decodes).
      const value = fc.tuple(text, fc.boolean()).map(([s, utf8]) => Buffer.from(oneLine(s), utf8 ? 'utf8' : 'latin1'));
      await fc.assert(
        fc.asyncProperty(value, async (header) => {
          const response = await probe(header);
          expectRefused(response, header);
          expect(response.queries).toBe(0);
        }),
        { numRuns: runs(300) },
      );
    });

    it('refuses raw bytes that are not UTF-8 (obs-text, overlong and surrogate sequences) with 400/401 and no query', async () => {
      const invalidUtf8 = fc.constantFrom([0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xff, 0xfe], [0x80], [0xc3]);
      const byte = fc.oneof(fc.integer({ min: 0x80, max: 0xff }), fc.integer({ min: 0x00, max: 0x7f }));
      const bytes = fc.array(fc.oneof(byte.map((b) => [b]), invalidUtf8), { maxLength: 120 }).map((groups) => groups.flat());
      const value = fc.tuple(fc.constantFrom('', 'Bearer ', 'Token ', 'Bearer ntk_at_'), bytes).map(([head, tail]) =>
        Buffer.concat([Buffer.from(head), Buffer.from(tail.filter((b) => b !== 0x0d && b !== 0x0a))]),
      );
      await fc.assert(
        fc.asyncProperty(value, async (header) => {
          const response = await probe(header);
          expectRefused(response, header);
          expect(response.queries).toBe(0);
        }),
        { numRuns: runs(150) },
      );
    });

    it('refuses a real token with one character changed (prefix, kind, key id, secret or checksum) as malformed, with no query', async () => {
      const token = real.token;
      const checksumIndex = fc.integer({ min: token.length - 6, max: token.length - 1 });
      const anyIndex = fc.integer({ min: 0, max: token.length - 1 });
      const replacement = fc.constantFrom(...BASE62, '_', '-', '.', '~', '+', '/', '=', 'é', 'ÿ', '\u00a0');
      const mutated = fc
        .tuple(fc.oneof(checksumIndex, anyIndex), replacement)
        .filter(([i, c]) => token[i] !== c)
        .map(([i, c]) => token.slice(0, i) + c + token.slice(i + 1));
      await fc.assert(
        fc.asyncProperty(mutated, fc.constantFrom('Bearer', 'Token', 'bearer'), async (bad, scheme) => {
          expect(holdsWellFormedToken(bad)).toBe(false); // CRC32 catches every single-character change
          const response = await probe(Buffer.from(`${scheme} ${bad}`, 'latin1'));
          expect(response.status).toBe(401);
          expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_token', reason: 'malformed' });
          expect(response.queries).toBe(0);
        }),
        { numRuns: runs(200) },
      );
    });

    it('refuses a real token with two neighbouring characters swapped, with no query', async () => {
      const token = real.token;
      const swapped = fc
        .integer({ min: 0, max: token.length - 2 })
        .filter((i) => token[i] !== token[i + 1])
        .map((i) => token.slice(0, i) + token[i + 1] + token[i] + token.slice(i + 2));
      await fc.assert(
        fc.asyncProperty(swapped, async (bad) => {
          const response = await probe(bearer(bad));
          expect([response.status, JSON.parse(response.body).reason]).toEqual([401, 'malformed']);
          expect(response.queries).toBe(0);
        }),
        { numRuns: runs(50) },
      );
    });

    it('refuses a real token body under a wrong prefix or kind tag, with no query', async () => {
      const body = real.token.slice('ntk_at_'.length);
      const prefix = fc.oneof(fc.constantFrom('ntk', 'NTK', 'Ntk', 'ntk_', 'nt', 'ntkk', 'ghp', ''), hostileString(6));
      const tag = fc.oneof(fc.constantFrom('at', 'rt', 'AT', 'aT', 'xt', 'a', 'att', ''), hostileString(3));
      const separator = fc.constantFrom('_', '-', '', '__', ' ');
      const head = fc.tuple(prefix, separator, tag, separator).map((parts) => parts.join('')).filter((h) => h !== 'ntk_at_');
      await fc.assert(
        fc.asyncProperty(head, async (h) => {
          const header = Buffer.from(oneLine(`Bearer ${h}${body}`), 'utf8');
          const response = await probe(header);
          expectRefused(response, header);
          expect(response.status).not.toBe(200);
          expect(response.queries).toBe(0);
        }),
        { numRuns: runs(80) },
      );
    });

    it('takes a real token wrapped in spaces and tabs while the header fits 4 KB, refuses it beyond, never querying for the refusal', async () => {
      const gap = (min: number, max: number) =>
        fc.tuple(fc.integer({ min, max }), fc.integer({ min: 0, max: 100 })).map(([n, tabs]) => (' '.repeat(n) + '\t'.repeat(tabs)).split('').sort().join(''));
      await fc.assert(
        fc.asyncProperty(gap(0, 3000), fc.constantFrom('Bearer', 'Token', 'bEaReR'), gap(1, 5000), gap(0, 3000), async (before, scheme, between, after) => {
          const response = await probe(`${before}${scheme}${between}${real.token}${after}`);
          // Node drops leading and trailing spaces/tabs; the module reads at most 4,096 characters.
          const seen = `${scheme}${between}${real.token}`.length;
          if (seen <= 4096) {
            expect(response.status).toBe(200);
          } else {
            expect([response.status, JSON.parse(response.body).reason]).toEqual([401, 'malformed']);
            expect(response.queries).toBe(0);
          }
        }),
        { numRuns: runs(60) },
      );
    });

    it('answers 8–17 KB headers with 401 without a query, or Node\'s own 431 past its 16 KB header limit', async () => {
      const filler = fc.constantFrom(' ', '\t', 'a', 'Z', '9', '_', 'é', ',');
      const long = fc.tuple(fc.integer({ min: 8 * 1024, max: 17 * 1024 }), filler, fc.constantFrom('Bearer ', 'Token ', '', `Bearer ${real.token}`)).map(
        // Node trims trailing blanks, which would leave a bare, valid token: pad a real token with a non-blank.
        ([length, fill, head]) => head + (head.includes('ntk_') && fill.trim() === '' ? 'a' : fill).repeat(length - head.length),
      );
      const seen = { app: 0, node431: 0 };
      await fc.assert(
        fc.asyncProperty(long, async (value) => {
          const header = Buffer.from(value, 'latin1');
          const response = await probe(header);
          expectRefused(response, header);
          expect(response.status).not.toBe(200);
          expect(response.queries).toBe(0);
          const fits = headSize(t.url, 'GET', '/me', [['Authorization', header]]) <= maxHeaderSize;
          if (fits) expect(response.status).toBe(401); // Node passes it on; the module refuses it by length
          seen[response.status === 431 ? 'node431' : 'app']++;
        }),
        { numRuns: runs(30) },
      );
      expect(seen.app).toBeGreaterThan(0);
    });

    it('refuses well-formed tokens it never issued as unknown, after exactly one lookup (the counter is live)', async () => {
      await fc.assert(
        fc.asyncProperty(base62(44), async (body) => {
          const response = await probe(bearer(forgeToken('at', body)));
          expect([response.status, JSON.parse(response.body).reason]).toEqual([401, 'unknown']);
          expect(response.queries).toBe(1);
          tally.wellFormedUnknown++;
          tally.wellFormedUnknownQueries += response.queries;
        }),
        { numRuns: runs(20) },
      );
    });

    it('refuses a refresh token as a bearer token before any query', async () => {
      const refreshShaped = real.refreshToken ?? forgeToken('rt', 'R'.repeat(44));
      const response = await probe(bearer(refreshShaped));
      expect([response.status, JSON.parse(response.body).reason]).toEqual([401, 'malformed']);
      expect(response.queries).toBe(0);
    });

    it('refuses hostile refresh tokens on /auth/refresh with 400 (404 in extend mode) and no query for checksum failures', async () => {
      const source = real.refreshToken ?? forgeToken('rt', 'Q'.repeat(44));
      const mutated = fc
        .tuple(fc.integer({ min: 0, max: source.length - 1 }), fc.constantFrom(...BASE62, '_', ' '))
        .filter(([i, c]) => source[i] !== c)
        .map(([i, c]) => source.slice(0, i) + c + source.slice(i + 1));
      const candidate = fc.oneof(mutated, hostileString(600), fc.constant(real.token));
      await fc.assert(
        fc.asyncProperty(candidate, async (refreshToken) => {
          queries.reset();
          const response = await t.http().post('/auth/refresh').send({ refreshToken });
          tally.see(response.status);
          if (!holdsWellFormedToken(refreshToken)) {
            tally.checksumFailures++;
            tally.checksumFailureQueries += queries.count;
          }
          if (mode === 'extend') {
            expect(response.status).toBe(404);
          } else {
            expect(response.status).toBe(400);
            expect(['invalid_grant', 'invalid_request']).toContain(response.body.error);
          }
          expect(queries.count).toBe(0); // an access token here is refused by its kind tag, also before any query
        }),
        { numRuns: runs(150) },
      );
    });

    it('keeps only the first of duplicate Authorization headers, without trouble', async () => {
      const response = await rawRequest(t.url, 'GET', '/me', [['Authorization', 'Bearer x'], ['Authorization', bearer(real.token)]]);
      expect(response.status).toBe(401);
    });

    it('is still up and serving the real token after all of it, with 0 × 5xx and 0 queries for checksum failures', async () => {
      const response = await t.http().get('/me').set('Authorization', bearer(real.token));
      expect(response.status).toBe(200);
      expect(tally.serverErrors).toBe(0);
      expect(tally.checksumFailureQueries).toBe(0);
      expect(tally.checksumFailures).toBeGreaterThan(runs(500));
    });
  });
});
