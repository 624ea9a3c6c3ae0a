import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KnoxTokenFormat } from './knox-token-format';
import { resolveKnoxOptions } from './knox.options';

const fixture = JSON.parse(readFileSync(join(__dirname, '../../../test/legacy-knox/fixtures/knox-sqlite.json'), 'utf8'));
const rowFor = (token: string) => fixture.rows.knox_authtoken.find((r: { token_key: string }) => token.startsWith(r.token_key));
const format = (knox: object = {}) => new KnoxTokenFormat(resolveKnoxOptions({ knox }) as any);

describe('KnoxTokenFormat', () => {
  it('computes the token_key and digest knox 5 stored for each of its tokens', () => {
    for (const { token, label } of fixture.tokens) {
      const parsed = (label === 'prefixed' ? format({ tokenPrefix: 'TEST_' }) : format()).parse(token);
      expect(parsed).toEqual({ tokenKey: rowFor(token).token_key, digest: rowFor(token).digest });
    }
  });

  it('accepts only the exact shape: prefix, then tokenLength lowercase hex characters', () => {
    const token = fixture.tokens[0].token as string;
    const knox = format();
    expect(knox.accepts(token)).toBe(true);
    for (const bad of [token.toUpperCase(), token.slice(1), `${token}a`, `${token.slice(0, -1)}g`, ` ${token.slice(1)}`, '', 42, null, `TEST_${token.slice(5)}`]) {
      expect(knox.accepts(bad)).toBe(false);
      expect(knox.parse(bad)).toBeNull();
    }
    expect(format({ tokenPrefix: 'TEST_' }).accepts(token)).toBe(false);
  });

  it('hashes the hex-decoded bytes for knox 4.2, with its 8-character key', () => {
    const token = 'ab'.repeat(32);
    expect(format({ version: 4 }).parse(token)).toEqual({ tokenKey: token.slice(0, 8), digest: createHash('sha512').update(Buffer.from(token, 'hex')).digest('hex') });
  });
});
