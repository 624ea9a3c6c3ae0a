import { Inject } from '@nestjs/common';

/** Injection token of the validated options (`ResolvedTokenAuthOptions`). */
export const TOKEN_AUTH_OPTIONS = Symbol('TOKEN_AUTH_OPTIONS');
/** Injection token of the `ThrottlerStorage` the module's rate limits use. */
export const TOKEN_AUTH_THROTTLER_STORAGE = Symbol('TOKEN_AUTH_THROTTLER_STORAGE');
/** Name the Passport strategy is registered under. */
export const TOKEN_AUTH_STRATEGY = 'nest-token-auth';
/** Request property holding the authenticated token (`AuthenticatedToken`). */
export const TOKEN_AUTH_REQUEST_KEY = Symbol.for('nest-token-auth.token');
/** Injection token of the cookie transport (`null` when the cookie option is off). */
export const TOKEN_AUTH_COOKIE = Symbol('TOKEN_AUTH_COOKIE');
/** Request property where the refresh rate limiter leaves the row it looked up (`{ token, record }`). */
export const REFRESH_LOOKUP_KEY = Symbol.for('nest-token-auth.refresh-lookup');
/** Route metadata set by `@RequireScopes()`. */
export const REQUIRED_SCOPES_KEY = 'nest-token-auth:scopes';
/** Route metadata set by `@Public()`. */
export const IS_PUBLIC_KEY = 'nest-token-auth:public';

/** Injects the validated module options. */
export const InjectTokenAuthOptions = () => Inject(TOKEN_AUTH_OPTIONS);
/** Injects the module's `ThrottlerStorage`. */
export const InjectTokenAuthThrottlerStorage = () => Inject(TOKEN_AUTH_THROTTLER_STORAGE);
