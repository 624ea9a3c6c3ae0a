import { Inject, Injectable, Optional } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { readAuthorization } from './authorization-header';
import { CookieTransport } from './cookie-transport';
import { EXPIRY_HEADER_KEY, TOKEN_AUTH_COOKIE, TOKEN_AUTH_REQUEST_KEY, TOKEN_AUTH_STRATEGY_KEY, TOKEN_AUTH_STRATEGY } from './token-auth.constants';
import { InvalidTokenException } from './token-auth.exceptions';
import { TokenAuthService } from './token-auth.service';

/**
 * Passport adapter: reads the credentials (the `Authorization` header, or the HttpOnly cookie in extend
 * mode when enabled) and hands the token to `TokenAuthService`.
 */
@Injectable()
export class TokenAuthStrategy extends PassportStrategy(Strategy, TOKEN_AUTH_STRATEGY) {
  constructor(
    private readonly auth: TokenAuthService,
    @Optional() @Inject(TOKEN_AUTH_COOKIE) private readonly cookie: CookieTransport | null,
  ) {
    super();
  }

  /** Passport's entry point. Passport keeps one strategy per name per process, so defer to this app's. */
  async validate(request: Record<string | symbol, any>): Promise<unknown> {
    const own: TokenAuthStrategy = request[TOKEN_AUTH_STRATEGY_KEY] ?? this;
    return own.authenticateRequest(request);
  }

  /** Returns the user, `null` when the request carries no credentials; throws on a bad token. */
  async authenticateRequest(request: Record<string | symbol, any>): Promise<unknown> {
    const settings = this.auth.settings;
    const credential = readAuthorization(request.headers?.authorization, settings.schemes);
    if (credential.kind === 'malformed') throw new InvalidTokenException('malformed', 'The Authorization header is malformed.');
    let token = credential.kind === 'token' ? credential.token : null;
    if (token === null && this.cookie && settings.mode === 'extend') token = this.cookie.read(request);
    if (token === null) return null;
    const authenticated = await this.auth.authenticate(token);
    request[TOKEN_AUTH_REQUEST_KEY] = authenticated;
    request[EXPIRY_HEADER_KEY] = settings.expiryHeader;
    return authenticated.user;
  }
}
