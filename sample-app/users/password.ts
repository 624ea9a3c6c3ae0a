import { BadRequestException } from '@nestjs/common';

/** bcrypt reads only the first 72 bytes of its input: anything after them would be silently ignored. */
export const MAX_PASSWORD_BYTES = 72;
export const MIN_PASSWORD_LENGTH = 8;
export const PASSWORD_RULE = `a password is at least ${MIN_PASSWORD_LENGTH} characters and at most ${MAX_PASSWORD_BYTES} bytes in UTF-8 (e.g. 72 ASCII characters, 24 "€")`;

/** Whether bcrypt would read all of the password (UTF-8 bytes, not characters: "€" is 3 bytes). */
export function fitsBcrypt(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') <= MAX_PASSWORD_BYTES;
}

/** Reads a new password from a body field: the password, or a 400 naming the field. */
export function readNewPassword(body: unknown, field: string): string {
  const value = (body as Record<string, unknown> | null)?.[field];
  // Characters are counted as code points, so "€€€€€€€€" is 8 characters.
  if (typeof value !== 'string' || [...value].length < MIN_PASSWORD_LENGTH || !fitsBcrypt(value)) {
    throw new BadRequestException({ error: 'invalid_request', field, message: `"${field}": ${PASSWORD_RULE}.` });
  }
  return value;
}

/** Reads a password the user already has (to be checked, not stored): any string, or a 400 naming the field. */
export function readCurrentPassword(body: unknown, field: string): string {
  const value = (body as Record<string, unknown> | null)?.[field];
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024) {
    throw new BadRequestException({ error: 'invalid_request', field, message: `"${field}" must be the current password.` });
  }
  return value;
}
