import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectTokenAuthOptions } from './token-auth.constants';
import { Challenge, TokenAuthException } from './token-auth.exceptions';
import { ResolvedTokenAuthOptions } from './token-auth.options';

/** Writes the module's refusals: the JSON body plus the RFC 6750 `WWW-Authenticate` challenge. */
@Catch(TokenAuthException)
export class TokenAuthExceptionFilter implements ExceptionFilter {
  constructor(
    @InjectTokenAuthOptions() private readonly options: ResolvedTokenAuthOptions,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  catch(exception: TokenAuthException, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse();
    const adapter = this.adapterHost.httpAdapter;
    if (exception.challenge) adapter.setHeader(response, 'WWW-Authenticate', challengeHeader(this.options.realm, exception.challenge));
    adapter.setHeader(response, 'Cache-Control', 'no-store');
    adapter.reply(response, exception.getResponse(), exception.getStatus());
  }
}

/** `Bearer realm="api", error="invalid_token", error_description="..."` (RFC 6750 section 3). */
export function challengeHeader(realm: string, challenge: Challenge): string {
  const parts = [`realm="${realm}"`];
  if (challenge.error) parts.push(`error="${challenge.error}"`);
  if (challenge.description) parts.push(`error_description="${challenge.description.replace(/["\\]/g, '')}"`);
  if (challenge.scope) parts.push(`scope="${challenge.scope}"`);
  return `Bearer ${parts.join(', ')}`;
}
