import { Provider } from '@nestjs/common';
import { TOKEN_AUTH_OPTIONS } from '../token-auth.constants';
import { TokenAuthEvents } from '../token-auth.events.service';
import { ResolvedTokenAuthOptions } from '../token-auth.options';
import { TokenAuthConfigError } from '../token-auth.options-validation';
import { DpopBinding } from './dpop-binding';
import { DpopNonces } from './dpop-nonce';
import { DpopProofVerifier } from './dpop-proof';
import { loadJose } from './jose-loader';

/** `DpopBinding`, or `null` when `dpop` is off: then `jose` is never loaded and no request pays for DPoP. */
export const dpopBindingProvider: Provider = {
  provide: DpopBinding,
  useFactory: async (o: ResolvedTokenAuthOptions, events: TokenAuthEvents) => {
    if (!o.dpop) return null;
    const nonces = o.dpop.nonceLifetimeMs === null ? null : new DpopNonces(o.secrets[0].secret, o.dpop.nonceLifetimeMs, o.clock);
    return new DpopBinding(new DpopProofVerifier(await loadJoseFor(), o.dpop, o.clock, nonces), o.dpop, events);
  },
  inject: [TOKEN_AUTH_OPTIONS, TokenAuthEvents],
};

async function loadJoseFor() {
  try {
    return await loadJose();
  } catch (error) {
    throw TokenAuthConfigError.about('dpop', `DPoP needs the "jose" package, which could not be loaded (${(error as Error)?.message ?? error}): npm install jose`);
  }
}
