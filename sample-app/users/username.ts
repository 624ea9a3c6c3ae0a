import { BadRequestException } from '@nestjs/common';

/**
 * The usernames this app accepts, after normalising: 3 to 32 characters of a-z, 0-9, ".", "_" and "-",
 * starting and ending with a letter or digit. No look-alikes, invisible or direction-changing
 * characters, spaces or controls can get in, and every database compares them the same way.
 */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,30}[a-z0-9]$/;
export const USERNAME_RULE = 'a username is 3 to 32 characters: a-z, 0-9, ".", "_" and "-", starting and ending with a letter or digit';
// Bounds the work done on a raw value before the pattern refuses it.
const MAX_RAW_LENGTH = 150;

/**
 * NFKC folds compatibility forms (fullwidth "ａｌｉｃｅ", ligatures, the Kelvin sign) into plain
 * letters; lower-casing makes "Alice" and "alice" one name. Registration and login both call this.
 */
export function normalizeUsername(raw: string): string {
  return raw.normalize('NFKC').toLowerCase();
}

/** The normalised username when it follows the rule, otherwise `null`. */
export function canonicalUsername(raw: string): string | null {
  if (raw.length > MAX_RAW_LENGTH) return null;
  const username = normalizeUsername(raw);
  return USERNAME_PATTERN.test(username) ? username : null;
}

/** Reads `username` from a registration body: the canonical form, or a 400 naming the field. */
export function readUsername(body: unknown): string {
  const raw = (body as Record<string, unknown> | null)?.username;
  const username = typeof raw === 'string' ? canonicalUsername(raw) : null;
  if (username === null) throw new BadRequestException({ error: 'invalid_request', field: 'username', message: `"username": ${USERNAME_RULE}.` });
  return username;
}
