import { Provider } from '@nestjs/common';
import { TOKEN_AUTH_OPTIONS } from '../token-auth.constants';
import { TokenAuthEvents } from '../token-auth.events.service';
import { ResolvedTokenAuthOptions } from '../token-auth.options';
import { TokenAuthConfigError } from '../token-auth.options-validation';
import { DpopBinding } from './dpop-binding';
import { DpopNonces } from './dpop-nonce';
import { DpopProofVerifier, PROOF_CACHE_MAX, PROOF_VERIFIER_OPTIONS } from './dpop-proof';
import { FastJwtApi, fastJwtPath, loadFastJwt } from './fast-jwt-loader';
import { SignatureThreads } from './signature-threads';

/**
 * A worker answers in messages of at most this many checks. One answer per batch held a whole
 * crowd until its last proof was checked (the event loop sat idle meanwhile); one per proof cost the
 * event loop a message each. 8 measured best of 1, 4, 8, 16 and the whole batch on the bench.
 */
const ANSWER_EVERY = 8;

/** The signature workers (`dpop.signatureThreads`), or `null` when DPoP is off or checks stay on the event loop. */
export const signatureThreadsProvider: Provider = {
  provide: SignatureThreads,
  useFactory: (o: ResolvedTokenAuthOptions) => {
    if (!o.dpop || o.dpop.signatureThreads === 0) return null;
    fastJwtFor();
    return new SignatureThreads(o.dpop.signatureThreads, { fastJwt: fastJwtPath(), verifierOptions: PROOF_VERIFIER_OPTIONS, cacheMax: PROOF_CACHE_MAX, answerEvery: ANSWER_EVERY });
  },
  inject: [TOKEN_AUTH_OPTIONS],
};

/** `DpopBinding`, or `null` when `dpop` is off: then `fast-jwt` is never loaded and no request pays for DPoP. */
export const dpopBindingProvider: Provider = {
  provide: DpopBinding,
  useFactory: (o: ResolvedTokenAuthOptions, events: TokenAuthEvents, threads: SignatureThreads | null) => {
    if (!o.dpop) return null;
    const nonces = o.dpop.nonceLifetimeMs === null ? null : new DpopNonces(o.secrets[0].secret, o.dpop.nonceLifetimeMs, o.clock);
    return new DpopBinding(new DpopProofVerifier(fastJwtFor(), o.dpop, o.clock, nonces, threads ?? undefined), o.dpop, events);
  },
  inject: [TOKEN_AUTH_OPTIONS, TokenAuthEvents, SignatureThreads],
};

function fastJwtFor(): FastJwtApi {
  try {
    return loadFastJwt();
  } catch (error) {
    throw TokenAuthConfigError.about('dpop', `DPoP needs the "fast-jwt" package, which could not be loaded (${(error as Error)?.message ?? error}): npm install fast-jwt`);
  }
}
