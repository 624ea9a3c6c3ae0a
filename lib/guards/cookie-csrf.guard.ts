import { CanActivate, ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import { CookieTransport } from '../cookie-transport';
import { TOKEN_AUTH_COOKIE } from '../token-auth.constants';

/**
 * With the cookie transport on, login and refresh answer with `Set-Cookie`, so they demand the CSRF
 * header whether or not a cookie came in: otherwise a cross-site form could plant the attacker's
 * session in the victim's browser (login CSRF). It runs before the rate limiters, so a refused
 * request spends neither the session's refresh budget nor the client's login budget.
 */
@Injectable()
export class CookieCsrfGuard implements CanActivate {
  constructor(@Optional() @Inject(TOKEN_AUTH_COOKIE) private readonly cookie: CookieTransport | null) {}

  canActivate(context: ExecutionContext): boolean {
    this.cookie?.requireCsrfProof(context.switchToHttp().getRequest());
    return true;
  }
}
