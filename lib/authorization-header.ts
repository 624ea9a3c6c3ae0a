/** What the `Authorization` header offered this module. */
export type PresentedCredential = { kind: 'none' } | { kind: 'token'; token: string } | { kind: 'malformed' };

const MAX_HEADER_LENGTH = 4096;
const NONE: PresentedCredential = Object.freeze({ kind: 'none' });
const MALFORMED: PresentedCredential = Object.freeze({ kind: 'malformed' });

/**
 * Reads `Authorization: <scheme> <token>` for one of the accepted schemes (case-insensitive).
 * Another scheme (e.g. Basic) is not ours: it counts as no credentials. Never throws.
 */
export function readAuthorization(header: unknown, schemes: Set<string>): PresentedCredential {
  if (header === undefined || header === null || header === '') return NONE;
  if (typeof header !== 'string' || header.length > MAX_HEADER_LENGTH) return MALFORMED;
  // The usual `Bearer <token>`: exactly one space, inside, and no tab; the general path below agrees.
  const first = header.indexOf(' ');
  if (first > 0 && first < header.length - 1 && header.indexOf(' ', first + 1) === -1 && header.indexOf('\t') === -1) {
    return schemes.has(header.slice(0, first).toLowerCase()) ? { kind: 'token', token: header.slice(first + 1) } : NONE;
  }
  // HTTP whitespace is space and tab only (RFC 9110), not JavaScript's wider \s.
  const value = header.replace(/^[ \t]+|[ \t]+$/g, '');
  const space = value.search(/[ \t]/);
  const scheme = (space === -1 ? value : value.slice(0, space)).toLowerCase();
  if (!schemes.has(scheme)) return NONE;
  const token = space === -1 ? '' : value.slice(space).replace(/^[ \t]+/, '');
  if (token === '' || /[ \t]/.test(token)) return MALFORMED;
  return { kind: 'token', token };
}
