import { Inject, Injectable, Optional } from '@nestjs/common';
import { ChallengeSettings } from './transports/challenge';
import { readAuthorization } from './authorization-header';
import { CookieTransport } from './cookie-transport';
import { TOKEN_AUTH_COOKIE, TOKEN_AUTH_REQUEST_KEY } from './token-auth.constants';
import { InvalidTokenException } from './token-auth.exceptions';
import { AuthenticatedToken, TokenAuthService } from './token-auth.service';
import { DpopBinding } from './dpop/dpop-binding';

/**
 * Authenticates an HTTP request: reads its credentials (the `Authorization` header, or the HttpOnly
 * cookie in extend mode when enabled), hands the token to `TokenAuthService` and leaves the result on
 * the request. `TokenAuthGuard` and the Passport strategy both call it, so both apply the same rules.
 */
@Injectable()
export class RequestAuthenticator {
  constructor(
    private readonly auth: TokenAuthService,
    @Optional() @Inject(TOKEN_AUTH_COOKIE) private readonly cookie: CookieTransport | null,
    @Optional() @Inject(DpopBinding) private readonly dpop: DpopBinding | null,
  ) {}

  /** Name of the response header that reports the token's expiry, or `false`. */
  get expiryHeader(): string | false {
    return this.auth.settings.expiryHeader;
  }

  /** What the module's challenges are written from (realm, DPoP). */
  get challengeSettings(): ChallengeSettings {
    return this.auth.settings;
  }

  /**
   * The authenticated token; `null` when the request carries no credentials. A malformed header or
   * token throws synchronously, before any promise exists, so refusing garbage stays cheap; any other
   * refusal rejects the returned promise.
   */
  authenticate(request: Record<string | symbol, any>): Promise<AuthenticatedToken> | null {
    const settings = this.auth.settings;
    const credential = readAuthorization(request.headers?.authorization, settings.schemes);
    if (credential.kind === 'malformed') throw new InvalidTokenException('malformed', 'The Authorization header is malformed.');
    let token = credential.kind === 'token' ? credential.token : null;
    if (token === null && this.cookie && settings.mode === 'extend') token = this.cookie.read(request);
    if (token === null) return null;
    if (this.auth.acceptsLegacy(token)) return this.auth.authenticateLegacy(token).then((authenticated) => (request[TOKEN_AUTH_REQUEST_KEY] = authenticated));
    const parsed = this.auth.parseAccessToken(token);
    return this.auth.authenticateParsed(parsed, token, this.dpop?.presentation(request)).then((authenticated) => (request[TOKEN_AUTH_REQUEST_KEY] = authenticated));
  }
}
