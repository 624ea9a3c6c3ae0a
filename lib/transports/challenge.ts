import { Challenge } from '../token-auth.exceptions';
import { ResolvedDpopOptions } from '../dpop/dpop.options';

/** What a challenge is written from: the module's realm and DPoP settings. */
export interface ChallengeSettings {
  realm: string;
  dpop: ResolvedDpopOptions | false;
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
