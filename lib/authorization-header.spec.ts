import { readAuthorization } from './authorization-header';

const schemes = new Set(['bearer', 'token']);

describe('readAuthorization', () => {
  it.each([
    [undefined, { kind: 'none' }],
    ['', { kind: 'none' }],
    ['Basic dXNlcjpwdw==', { kind: 'none' }],
    ['Bearer abc', { kind: 'token', token: 'abc' }],
    ['token abc', { kind: 'token', token: 'abc' }],
    ['  BEARER    abc  ', { kind: 'token', token: 'abc' }],
    ['Bearer\tabc', { kind: 'token', token: 'abc' }],
    ['Bearer', { kind: 'malformed' }],
    ['Bearer   ', { kind: 'malformed' }],
    ['Bearer a b', { kind: 'malformed' }],
    [['Bearer a', 'Bearer b'], { kind: 'malformed' }],
    ['Bearer ' + 'x'.repeat(5000), { kind: 'malformed' }],
    // Around the one-space fast path: padding, a trailing space, a tab elsewhere, a leading space.
    ['Bearer abc ', { kind: 'token', token: 'abc' }],
    [' Bearer abc', { kind: 'token', token: 'abc' }],
    ['Bearer ab\tc', { kind: 'malformed' }],
    ['Bearer\tab c', { kind: 'malformed' }],
    ['Bearer ', { kind: 'malformed' }],
    [' Bearer', { kind: 'malformed' }],
    ['Basic abc', { kind: 'none' }],
  ])('%j → %j', (header, expected) => {
    expect(readAuthorization(header, schemes)).toEqual(expected);
  });
});
