import { Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { RequestAuthenticator } from './request-authenticator';
import { TOKEN_AUTH_STRATEGY } from './token-auth.constants';
import { TokenAuthException } from './token-auth.exceptions';
import { RESPONSE_OF_REQUEST, responseOfRequest, writeRefusalHeaders } from './transports/http.transport';

/**
 * The Passport strategy, registered as `'nest-token-auth'` (`TOKEN_AUTH_STRATEGY`), for hosts that
 * compose Passport strategies (`AuthGuard(['nest-token-auth', 'jwt'])`). It applies exactly the rules
 * of `TokenAuthGuard`, which calls the same `RequestAuthenticator` without Passport's per-request cost.
 * In GraphQL, WebSocket or microservice handlers, give Passport's `getRequest` the request of
 * `tokenAuthRequest(context)`.
 */
@Injectable()
export class TokenAuthStrategy extends PassportStrategy(Strategy, TOKEN_AUTH_STRATEGY) implements OnModuleInit {
  constructor(
    private readonly authenticator: RequestAuthenticator,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    super();
  }

  /**
   * Passport hands a strategy the request alone; the refusal's challenge goes on its response, which
   * Express links as `req.res` and Fastify does not link at all: a hook links it there.
   */
  onModuleInit(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (adapter?.getType() !== 'fastify') return;
    adapter.getInstance().addHook('onRequest', (request: any, reply: unknown, done: () => void) => {
      request[RESPONSE_OF_REQUEST] = reply;
      done();
    });
  }

  /**
   * Passport's entry point: the user, or `null` when the request carries no credentials. Passport
   * keeps one strategy per name per process: with several Nest apps in one process, the last one
   * started answers for all (`TokenAuthGuard` has no such limit).
   */
  async validate(request: Record<string | symbol, any>): Promise<unknown> {
    try {
      const authenticated = await this.authenticator.authenticate(request);
      return authenticated && authenticated.user;
    } catch (error) {
      if (error instanceof TokenAuthException) writeRefusalHeaders(responseOfRequest(request), error, this.authenticator.challengeSettings);
      throw error;
    }
  }
}
