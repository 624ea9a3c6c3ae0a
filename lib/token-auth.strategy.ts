import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { RequestAuthenticator } from './request-authenticator';
import { TOKEN_AUTH_STRATEGY } from './token-auth.constants';

/**
 * The Passport strategy, registered as `'nest-token-auth'` (`TOKEN_AUTH_STRATEGY`), for hosts that
 * compose Passport strategies (`AuthGuard(['nest-token-auth', 'jwt'])`). It applies exactly the rules
 * of `TokenAuthGuard`, which calls the same `RequestAuthenticator` without Passport's per-request cost.
 */
@Injectable()
export class TokenAuthStrategy extends PassportStrategy(Strategy, TOKEN_AUTH_STRATEGY) {
  constructor(private readonly authenticator: RequestAuthenticator) {
    super();
  }

  /**
   * Passport's entry point: the user, or `null` when the request carries no credentials. Passport
   * keeps one strategy per name per process: with several Nest apps in one process, the last one
   * started answers for all (`TokenAuthGuard` has no such limit).
   */
  async validate(request: Record<string | symbol, any>): Promise<unknown> {
    const authenticated = await this.authenticator.authenticate(request);
    return authenticated && authenticated.user;
  }
}
