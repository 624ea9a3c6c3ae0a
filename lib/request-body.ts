import { InvalidRequestException } from './token-auth.exceptions';

/** A validated login body. */
export interface LoginBody {
  username: string;
  password: string;
  name: string | null;
}

const LOGIN_FIELDS = ['username', 'password', 'name'];

/** Validates `POST /auth/login`; a bad body is a 400 naming the field. */
export function readLoginBody(body: unknown): LoginBody {
  const fields = objectOf(body, LOGIN_FIELDS);
  return {
    username: stringField(fields, 'username', 150),
    password: stringField(fields, 'password', 1024),
    name: fields.name === undefined || fields.name === null ? null : stringField(fields, 'name', 100),
  };
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
    throw new InvalidRequestException(unknown.slice(0, 64), `Unknown field "${unknown.slice(0, 64)}"; accepted: ${allowed.join(', ')}.`);
  }
  return body as Record<string, unknown>;
}

function stringField(fields: Record<string, unknown>, name: string, maxLength: number): string {
  const value = fields[name];
  if (value === undefined || value === null) throw new InvalidRequestException(name, `"${name}" is required.`);
  if (typeof value !== 'string') throw new InvalidRequestException(name, `"${name}" must be a string.`);
  if (value.length === 0) throw new InvalidRequestException(name, `"${name}" must not be empty.`);
  if (value.length > maxLength) throw new InvalidRequestException(name, `"${name}" must be at most ${maxLength} characters.`);
  return value;
}
