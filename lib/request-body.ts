import { InvalidRequestException } from './token-auth.exceptions';
import { parseScope } from './token-scopes';

/** A validated login body. */
export interface LoginBody {
  username: string;
  password: string;
  name: string | null;
  /** Requested scopes, or `null` when the body asks for none in particular. */
  scope: string[] | null;
}

const LOGIN_FIELDS = ['username', 'password', 'name', 'scope'];
const FIELD_NAME = /^[A-Za-z_$][\w$-]{0,31}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Validates `POST /auth/login`; a bad body is a 400 naming the field. */
export function readLoginBody(body: unknown): LoginBody {
  const fields = objectOf(body, LOGIN_FIELDS);
  return {
    username: stringField(fields, 'username', 150),
    password: stringField(fields, 'password', 1024),
    name: fields.name === undefined || fields.name === null ? null : stringField(fields, 'name', 100),
    scope: fields.scope === undefined || fields.scope === null ? null : scopeField(fields),
  };
}

/** Validates the body of the RFC 7009 revocation and RFC 7662 introspection routes. */
export function readTokenBody(body: unknown): { token: string; hint: 'access_token' | 'refresh_token' | null } {
  const fields = objectOf(body, ['token', 'token_type_hint']);
  const token = stringField(fields, 'token', 512);
  const hint = fields.token_type_hint;
  if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') {
    throw new InvalidRequestException('token_type_hint', '"token_type_hint" must be "access_token" or "refresh_token".');
  }
  return { token, hint: hint ?? null };
}

function scopeField(fields: Record<string, unknown>): string[] {
  const scopes = parseScope(stringField(fields, 'scope', 512));
  if (!scopes) throw new InvalidRequestException('scope', '"scope" must be space-separated scope names (RFC 6749 characters).');
  return scopes;
}

/** Validates `POST /auth/refresh`. */
export function readRefreshBody(body: unknown): { refreshToken: string } {
  const fields = objectOf(body, ['refreshToken']);
  return { refreshToken: stringField(fields, 'refreshToken', 512) };
}

function objectOf(body: unknown, allowed: string[]): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidRequestException('body', 'The request body must be a JSON object.');
  }
  const unknown = Object.keys(body).find((key) => !allowed.includes(key));
  if (unknown !== undefined) {
    // Only a plain name is echoed: a form-encoded JSON text arrives as one huge key holding the secrets.
    if (!FIELD_NAME.test(unknown)) throw new InvalidRequestException('body', `Unknown field; accepted: ${allowed.join(', ')}. Send JSON with Content-Type: application/json.`);
    throw new InvalidRequestException(unknown, `Unknown field "${unknown}"; accepted: ${allowed.join(', ')}.`);
  }
  return body as Record<string, unknown>;
}

function stringField(fields: Record<string, unknown>, name: string, maxLength: number): string {
  const value = fields[name];
  if (value === undefined || value === null) throw new InvalidRequestException(name, `"${name}" is required.`);
  if (typeof value !== 'string') throw new InvalidRequestException(name, `"${name}" must be a string.`);
  if (value.length === 0) throw new InvalidRequestException(name, `"${name}" must not be empty.`);
  if (value.length > maxLength) throw new InvalidRequestException(name, `"${name}" must be at most ${maxLength} characters.`);
  // Control characters (NUL above all: PostgreSQL cannot store it) are a client error, not an outage.
  if (CONTROL.test(value)) throw new InvalidRequestException(name, `"${name}" must not contain control characters.`);
  return value;
}
