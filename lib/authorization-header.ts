/** What the `Authorization` header offered this module. */
export type PresentedCredential = { kind: 'none' } | { kind: 'token'; token: string } | { kind: 'malformed' };

const MAX_HEADER_LENGTH = 4096;

/**
 * Reads `Authorization: <scheme> <token>` for one of the accepted schemes (case-insensitive).
 * Another scheme (e.g. Basic) is not ours: it counts as no credentials. Never throws.
 */
export function readAuthorization(header: unknown, schemes: Set<string>): PresentedCredential {
  if (header === undefined || header === null || header === '') return { kind: 'none' };
  if (typeof header !== 'string' || header.length > MAX_HEADER_LENGTH) return { kind: 'malformed' };
  // HTTP whitespace is space and tab only (RFC 9110), not JavaScript's wider \s.
  const value = header.replace(/^[ \t]+|[ \t]+$/g, '');
  const space = value.search(/[ \t]/);
  const scheme = (space === -1 ? value : value.slice(0, space)).toLowerCase();
  if (!schemes.has(scheme)) return { kind: 'none' };
  const token = space === -1 ? '' : value.slice(space).replace(/^[ \t]+/, '');
  if (token === '' || /[ \t]/.test(token)) return { kind: 'malformed' };
  return { kind: 'token', token };
}
