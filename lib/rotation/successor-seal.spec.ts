import { randomBytes } from 'node:crypto';
import { TokenFormat } from '../token-format';
import { openSuccessors, sealSuccessors } from './successor-seal';

const format = new TokenFormat('ntk');
const row = { id: '6f1c1d1e-0000-4000-8000-000000000001', familyId: '6f1c1d1e-0000-4000-8000-00000000000f' };
const pair = { access: format.mint('access').token, refresh: format.mint('refresh').token };
const secret = format.mint('refresh').secret;

describe('successor seal', () => {
  it('opens with the predecessor secret it was sealed under, to the identical pair', () => {
    expect(openSuccessors(row, secret, sealSuccessors(row, secret, pair))).toEqual(pair);
  });

  it('is fresh ciphertext every time (random IV), and fits the 255-character column with the longest prefix', () => {
    expect(sealSuccessors(row, secret, pair)).not.toBe(sealSuccessors(row, secret, pair));
    const long = new TokenFormat('P'.repeat(16));
    const longPair = { access: long.mint('access').token, refresh: long.mint('refresh').token };
    expect(sealSuccessors(row, secret, longPair).length).toBeLessThanOrEqual(255);
  });

  it('does not open under another secret, for another row or session, or once tampered with', () => {
    const sealed = sealSuccessors(row, secret, pair);
    expect(openSuccessors(row, format.mint('refresh').secret, sealed)).toBeNull();
    expect(openSuccessors({ ...row, id: row.id.replace(/1$/, '2') }, secret, sealed)).toBeNull();
    expect(openSuccessors({ ...row, familyId: row.id }, secret, sealed)).toBeNull();
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[20] ^= 1;
    expect(openSuccessors(row, secret, `v1.${raw.toString('base64url')}`)).toBeNull();
  });

  it('treats absent or foreign text as no seal, never throwing', () => {
    for (const text of [null, '', 'v1.', 'v2.abc', 'v1.' + randomBytes(40).toString('base64url'), 'v1.***']) {
      expect(openSuccessors(row, secret, text)).toBeNull();
    }
  });
});
