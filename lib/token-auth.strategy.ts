import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { readAuthorization } from './authorization-header';
import { EXPIRY_HEADER_KEY, InjectTokenAuthOptions, TOKEN_AUTH_REQUEST_KEY, TOKEN_AUTH_STRATEGY } from './token-auth.constants';
import { InvalidTokenException } from './token-auth.exceptions';
import { ResolvedTokenAuthOptions } from './token-auth.options';
import { TokenAuthService } from './token-auth.service';

/** Passport adapter: reads the `Authorization` header and hands the token to `TokenAuthService`. */
@Injectable()
export class TokenAuthStrategy extends PassportStrategy(Strategy, TOKEN_AUTH_STRATEGY) {
  constructor(
    private readonly auth: TokenAuthService,
    @InjectTokenAuthOptions() private readonly options: ResolvedTokenAuthOptions,
  ) {
    super();
  }

  /** Returns the user, `null` when the request carries no credentials; throws on a bad token. */
  async validate(request: Record<string | symbol, any>): Promise<unknown> {
    const credential = readAuthorization(request.headers?.authorization, this.options.schemes);
    if (credential.kind === 'none') return null;
    if (credential.kind === 'malformed') throw new InvalidTokenException('malformed', 'The Authorization header is malformed.');
    const authenticated = await this.auth.authenticate(credential.token);
    request[TOKEN_AUTH_REQUEST_KEY] = authenticated;
    request[EXPIRY_HEADER_KEY] = this.options.expiryHeader;
    return authenticated.user;
  }
}
