import { Provider } from '@nestjs/common';
import { TOKEN_AUTH_OPTIONS } from '../token-auth.constants';
import { TokenAuthEvents } from '../token-auth.events.service';
import { ResolvedTokenAuthOptions } from '../token-auth.options';
import { TokenAuthConfigError } from '../token-auth.options-validation';
import { DpopBinding } from './dpop-binding';
import { DpopNonces } from './dpop-nonce';
import { DpopProofVerifier } from './dpop-proof';
import { loadFastJwt } from './fast-jwt-loader';

/** `DpopBinding`, or `null` when `dpop` is off: then `fast-jwt` is never loaded and no request pays for DPoP. */
export const dpopBindingProvider: Provider = {
  provide: DpopBinding,
  useFactory: (o: ResolvedTokenAuthOptions, events: TokenAuthEvents) => {
    if (!o.dpop) return null;
    const nonces = o.dpop.nonceLifetimeMs === null ? null : new DpopNonces(o.secrets[0].secret, o.dpop.nonceLifetimeMs, o.clock);
    return new DpopBinding(new DpopProofVerifier(loadFastJwtFor(), o.dpop, o.clock, nonces), o.dpop, events);
  },
  inject: [TOKEN_AUTH_OPTIONS, TokenAuthEvents],
};

function loadFastJwtFor() {
  try {
    return loadFastJwt();
  } catch (error) {
    throw TokenAuthConfigError.about('dpop', `DPoP needs the "fast-jwt" package, which could not be loaded (${(error as Error)?.message ?? error}): npm install fast-jwt`);
  }
}
