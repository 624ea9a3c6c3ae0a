import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectTokenAuthOptions } from './token-auth.constants';
import { Challenge, TokenAuthException } from './token-auth.exceptions';
import { ResolvedTokenAuthOptions } from './token-auth.options';
import { ResolvedDpopOptions } from './dpop/dpop.options';

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
    if (exception.challenge) adapter.setHeader(response, 'WWW-Authenticate', challengeHeader(this.options.realm, exception.challenge, this.options.dpop));
    for (const [name, value] of Object.entries(exception.headers ?? {})) adapter.setHeader(response, name, value);
    adapter.setHeader(response, 'Cache-Control', 'no-store');
    adapter.reply(response, exception.getResponse(), exception.getStatus());
  }
}

/**
 * `Bearer realm="api", error="invalid_token", error_description="..."` (RFC 6750 section 3). With DPoP
 * on, also the `DPoP` challenge with its `algs` (RFC 9449 section 7.1), first when the error is DPoP's
 * or DPoP is required; in required mode the `Bearer` challenge is left out, since Bearer is refused.
 */
export function challengeHeader(realm: string, challenge: Challenge, dpop: ResolvedDpopOptions | false = false): string {
  const parts = [`realm="${realm}"`];
  if (challenge.error) parts.push(`error="${challenge.error}"`);
  if (challenge.description) parts.push(`error_description="${challenge.description.replace(/["\\]/g, '')}"`);
  if (challenge.scope) parts.push(`scope="${challenge.scope}"`);
  if (!dpop) return `Bearer ${parts.join(', ')}`;
  const algs = `algs="${dpop.algorithms.join(' ')}"`;
  const dpopFirst = challenge.scheme === 'DPoP' || dpop.mode === 'required';
  const dpopChallenge = `DPoP ${dpopFirst ? [...parts, algs].join(', ') : `realm="${realm}", ${algs}`}`;
  if (dpop.mode === 'required') return dpopChallenge;
  return dpopFirst ? `${dpopChallenge}, Bearer realm="${realm}"` : `Bearer ${parts.join(', ')}, ${dpopChallenge}`;
}
