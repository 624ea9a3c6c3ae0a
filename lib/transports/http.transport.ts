import { ExecutionContext } from '@nestjs/common';
import { setResponseHeader } from '../http-compat';
import { TokenAuthException } from '../token-auth.exceptions';
import { challengeHeader, ChallengeSettings } from './challenge';
import { AuthRequest, Transport } from './transport';

/**
 * Express and Fastify. A refusal stays the module's HttpException (Nest answers it with its JSON
 * body and status); the RFC 6750 challenge and `no-store` are set on the response here, where the
 * refusal is made, so no global exception filter is needed.
 */
export const httpTransport: Transport = {
  request: (context) => context.switchToHttp().getRequest(),
  setHeader: (context, name, value) => setResponseHeader(context.switchToHttp().getResponse(), name, value),
  refusal(context, exception, settings) {
    writeRefusalHeaders(context.switchToHttp().getResponse(), exception, settings);
    return exception;
  },
};

/** The refusal headers on an Express or Fastify response: the challenge (when it has one), the refusal's own headers, `no-store`. */
export function writeRefusalHeaders(response: unknown, exception: TokenAuthException, settings: ChallengeSettings): void {
  if (exception.challenge) setResponseHeader(response, 'WWW-Authenticate', challengeHeader(settings.realm, exception.challenge, settings.dpop));
  for (const [name, value] of Object.entries(exception.headers ?? {})) setResponseHeader(response, name, value);
  setResponseHeader(response, 'Cache-Control', 'no-store');
}

/**
 * The response of an HTTP request seen without its execution context (the Passport strategy):
 * Express links it as `req.res`; the module links Fastify's reply under this key (see `linkFastifyReplies`).
 */
export const RESPONSE_OF_REQUEST = Symbol.for('nest-token-auth.response');

export function responseOfRequest(request: AuthRequest): unknown {
  return request[RESPONSE_OF_REQUEST] ?? request.res;
}
