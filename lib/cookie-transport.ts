import { CsrfCheckFailedException } from './token-auth.exceptions';
import { ResolvedCookieOptions } from './token-auth.options';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The optional HttpOnly cookie transport: the refresh token (rotate) or the token (extend) travels in
 * a cookie JavaScript cannot read. A request authenticated by that cookie and changing state must
 * also carry a custom header, which a cross-site form or image cannot send (CSRF defence).
 */
export class CookieTransport {
  constructor(
    private readonly settings: ResolvedCookieOptions,
    private readonly path: string,
  ) {}

  get name(): string {
    return this.settings.name;
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

  /** The cookie's value without any check (for keying rate limits only), or `null`. */
  peek(request: { headers?: Record<string, unknown> }): string | null {
    const header = request.headers?.cookie;
    if (typeof header !== 'string') return null;
    const pair = header.split(';').map((part) => part.trim()).find((part) => part.startsWith(`${this.name}=`));
    return pair?.slice(this.name.length + 1) || null;
  }

  private attributes(): string {
    return `; Path=${this.path}; HttpOnly${this.settings.secure ? '; Secure' : ''}; SameSite=${this.settings.sameSite}`;
  }
}
