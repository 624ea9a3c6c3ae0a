/**
 * OpenAPI metadata for the auth routes, through `@nestjs/swagger` when the host has it installed
 * (an optional peer) and as no-op decorators when it does not. The one file that knows about Swagger.
 */
type Decorate = (...args: any[]) => MethodDecorator & ClassDecorator;

function load(): Record<string, Decorate> | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@nestjs/swagger');
  } catch {
    return null;
  }
}

const swagger = load();
const noop: Decorate = () => () => undefined;
const pick = (name: string): Decorate => swagger?.[name] ?? noop;

export const ApiTags = pick('ApiTags');
export const ApiBearerAuth = pick('ApiBearerAuth');
export const ApiOperation = pick('ApiOperation');
export const ApiBody = pick('ApiBody');
export const ApiResponse = pick('ApiResponse');
export const ApiParam = pick('ApiParam');

const isoOrNull = { type: 'string', format: 'date-time', nullable: true };
const error = { type: 'object', properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } } };

/** JSON schemas of the request and response bodies (as the README's endpoint reference describes them). */
export const schemas = {
  login: {
    type: 'object',
    required: ['username', 'password'],
    properties: { username: { type: 'string' }, password: { type: 'string', format: 'password' }, name: { type: 'string', maxLength: 100 }, scope: { type: 'string' } },
    additionalProperties: false,
  },
  refresh: { type: 'object', required: ['refreshToken'], properties: { refreshToken: { type: 'string' } }, additionalProperties: false },
  tokenRequest: {
    type: 'object',
    required: ['token'],
    properties: { token: { type: 'string' }, token_type_hint: { type: 'string', enum: ['access_token', 'refresh_token'] } },
  },
  tokens: {
    type: 'object',
    properties: { token: { type: 'string' }, expiry: isoOrNull, refreshToken: { type: 'string' }, refreshExpiry: isoOrNull, scope: { type: 'string' }, user: { type: 'object' } },
  },
  expiry: { type: 'object', properties: { expiry: isoOrNull } },
  details: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      kind: { type: 'string', enum: ['access', 'refresh'] },
      name: { type: 'string', nullable: true },
      createdAt: { type: 'string', format: 'date-time' },
      issuedAt: { type: 'string', format: 'date-time' },
      expiry: isoOrNull,
      absoluteExpiry: isoOrNull,
      lastUsedAt: isoOrNull,
      scopes: { type: 'array', items: { type: 'string' } },
    },
  },
  sessions: {
    type: 'array',
    items: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        name: { type: 'string', nullable: true },
        createdAt: { type: 'string', format: 'date-time' },
        lastUsedAt: isoOrNull,
        expiry: isoOrNull,
        ip: { type: 'string', nullable: true },
        userAgent: { type: 'string', nullable: true },
        current: { type: 'boolean' },
      },
    },
  },
  introspection: { type: 'object', properties: { active: { type: 'boolean' }, scope: { type: 'string' }, sub: { type: 'string' }, exp: { type: 'integer', nullable: true }, iat: { type: 'integer' }, token_type: { type: 'string' }, sid: { type: 'string' } } },
  error,
};
