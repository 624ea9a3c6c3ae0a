import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectTokenAuthOptions } from './token-auth.constants';
import { TokenAuthException } from './token-auth.exceptions';
import { ResolvedTokenAuthOptions } from './token-auth.options';
import { writeRefusalHeaders } from './transports/http.transport';

/**
 * Writes the refusals of the module's own routes: the JSON body plus the RFC 6750 `WWW-Authenticate`
 * challenge and `no-store`. Bound to the auth controller only; guards on host routes set the same
 * headers where they refuse.
 */
@Catch(TokenAuthException)
export class TokenAuthExceptionFilter implements ExceptionFilter {
  constructor(
    @InjectTokenAuthOptions() private readonly options: ResolvedTokenAuthOptions,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  catch(exception: TokenAuthException, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse();
    writeRefusalHeaders(response, exception, this.options);
    this.adapterHost.httpAdapter.reply(response, exception.getResponse(), exception.getStatus());
  }
}

/** The challenge's text lives with the HTTP transport; re-exported here, where it always was. */
export { challengeHeader } from './transports/challenge';
