import { CsrfCheckFailedException, DuplicateCookieException } from './token-auth.exceptions';
import { ResolvedCookieOptions } from './token-auth.options';
import { TokenAuthConfigError } from './token-auth.options-validation';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The optional HttpOnly cookie transport: the refresh token (rotate) or the token (extend) travels in
 * a cookie JavaScript cannot read. A request authenticated by that cookie and changing state must
 * also carry a custom header, which a cross-site form or image cannot send (CSRF defence).
 */
export class CookieTransport {
  /** The cookie's name (the default carries a `__Host-` / `__Secure-` prefix when the attributes allow). */
  readonly name: string;

  constructor(
    private readonly settings: ResolvedCookieOptions,
    private readonly path: string,
  ) {
    this.name = cookieNameOf(settings, path);
  }

  /** The `Set-Cookie` value carrying `token` until `expiresAt` (epoch ms; `null` = session cookie). */
  set(token: string, expiresAt: number | null, now: number): string {
    const maxAge = expiresAt === null ? '' : `; Max-Age=${Math.max(0, Math.floor((expiresAt - now) / 1000))}`;
    return `${this.name}=${token}${maxAge}${this.attributes()}`;
  }

  /** The `Set-Cookie` value that removes the cookie. */
  clear(): string {
    return `${this.name}=; Max-Age=0${this.attributes()}`;
  }

  /** The cookie's value from a `Cookie` header, or `null`. Enforces the CSRF header for unsafe methods. */
  read(request: { method?: string; headers?: Record<string, unknown> }): string | null {
    const value = this.peek(request);
    if (!value) return null;
    this.requireCsrfProof(request);
    return value;
  }

  /** Refuses an unsafe request without the CSRF header (a cross-site form cannot send one). */
  requireCsrfProof(request: { method?: string; headers?: Record<string, unknown> }): void {
    if (!SAFE_METHODS.has((request.method ?? 'GET').toUpperCase()) && request.headers?.[this.settings.csrfHeader.toLowerCase()] === undefined) {
      throw new CsrfCheckFailedException(this.settings.csrfHeader);
    }
  }

  /** The cookie's value without the CSRF check, or `null`; refuses a request that carries it twice. */
  peek(request: { headers?: Record<string, unknown> }): string | null {
    const header = request.headers?.cookie;
    if (typeof header !== 'string') return null;
    const pairs = header.split(';').map((part) => part.trim()).filter((part) => part.startsWith(`${this.name}=`));
    // Taking one of two would let a cookie planted by a sibling subdomain choose the session.
    if (pairs.length > 1) throw new DuplicateCookieException(this.name, this.settings.carries === 'token');
    return pairs[0]?.slice(this.name.length + 1) || null;
  }

  private attributes(): string {
    return `; Path=${this.path}; HttpOnly${this.settings.secure ? '; Secure' : ''}; SameSite=${this.settings.sameSite}`;
  }
}

/**
 * The default name carries the strongest prefix the attributes allow, so that no other site of the
 * domain can set a cookie of that name: browsers accept `__Host-` only with Secure, Path=/ and no
 * Domain, `__Secure-` only with Secure. Without Secure (local HTTP) no prefix is possible.
 * A given name with a prefix its attributes break fails the boot: browsers would drop the cookie.
 */
function cookieNameOf(settings: ResolvedCookieOptions, path: string): string {
  if (settings.name === null) {
    const base = settings.carries === 'refresh' ? 'nta_refresh' : 'nta_token';
    return settings.secure ? `${path === '/' ? '__Host-' : '__Secure-'}${base}` : base;
  }
  const name = settings.name;
  if (/^__host-/i.test(name) && (!settings.secure || path !== '/')) {
    throw new TokenAuthConfigError('cookie.name', `free of the __Host- prefix unless cookie.secure is true and the cookie path is "/" (here secure ${settings.secure}, path "${path}")`, name);
  }
  if (/^__secure-/i.test(name) && !settings.secure) {
    throw new TokenAuthConfigError('cookie.name', 'free of the __Secure- prefix unless cookie.secure is true', name);
  }
  return name;
}
