/** RFC 6749 scope-token characters. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/;

/** Splits a space-separated scope string; `null` when it holds a character a scope cannot have. */
export function parseScope(value: string): string[] | null {
  const scopes = value.split(' ').filter((s) => s !== '');
  return scopes.every((s) => SCOPE_TOKEN.test(s)) ? [...new Set(scopes)] : null;
}

/**
 * What a login is granted: the requested scopes the user may have (all the user may have when none
 * are requested). Narrowing instead of refusing follows RFC 6749 section 3.3; the grant is reported back.
 */
export function grantScopes(requested: string[] | null, allowed: string[]): string[] {
  if (requested === null) return [...allowed];
  return requested.filter((scope) => allowed.includes(scope));
}

/** The required scopes a token's stored scope string lacks. */
export function missingScopes(stored: string | null, required: string[]): string[] {
  const granted = new Set(stored ? stored.split(' ') : []);
  return required.filter((scope) => !granted.has(scope));
}
