import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { readAuthorization } from './authorization-header';
import { EXPIRY_HEADER_KEY, TOKEN_AUTH_REQUEST_KEY, TOKEN_AUTH_SERVICE_KEY, TOKEN_AUTH_STRATEGY } from './token-auth.constants';
import { InvalidTokenException } from './token-auth.exceptions';
import { TokenAuthService } from './token-auth.service';

/** Passport adapter: reads the `Authorization` header and hands the token to `TokenAuthService`. */
@Injectable()
export class TokenAuthStrategy extends PassportStrategy(Strategy, TOKEN_AUTH_STRATEGY) {
  constructor(private readonly auth: TokenAuthService) {
    super();
  }

  /** Returns the user, `null` when the request carries no credentials; throws on a bad token. */
  async validate(request: Record<string | symbol, any>): Promise<unknown> {
    const auth: TokenAuthService = request[TOKEN_AUTH_SERVICE_KEY] ?? this.auth;
    const credential = readAuthorization(request.headers?.authorization, auth.settings.schemes);
    if (credential.kind === 'none') return null;
    if (credential.kind === 'malformed') throw new InvalidTokenException('malformed', 'The Authorization header is malformed.');
    const authenticated = await auth.authenticate(credential.token);
    request[TOKEN_AUTH_REQUEST_KEY] = authenticated;
    request[EXPIRY_HEADER_KEY] = auth.settings.expiryHeader;
    return authenticated.user;
  }
}
