import { HttpStatus } from '@nestjs/common';
import { TokenAuthException } from '../token-auth.exceptions';

/** Why a DPoP request was refused; `dpop-proof-rejected` events carry it too. */
export type DpopRefusalReason =
  /** The proof: absent, sent twice, unreadable, wrong `typ`, `alg` or key, bad signature. */
  | 'missing' | 'multiple' | 'malformed' | 'typ' | 'alg' | 'jwk' | 'signature'
  /** Its claims: method, URI, age, id, token hash; a proof used before; a key other than the bound one. */
  | 'htm' | 'htu' | 'iat' | 'jti' | 'ath' | 'replayed' | 'key_mismatch'
  /** No nonce, or a stale one: retry with the `DPoP-Nonce` header's value (`use_dpop_nonce`). */
  | 'nonce'
  /** The token: bound but sent as Bearer; unbound where DPoP is required; unbound but sent as DPoP. */
  | 'dpop_bound' | 'dpop_required' | 'not_bound';

/** Where the refusal happened: a protected resource (401 + challenge) or login/refresh (400, RFC 9449 section 5). */
export type DpopRefusalSite = 'resource' | 'token';

/**
 * A DPoP refusal (RFC 9449 section 7.1 at resources, section 5 at login and refresh). `error` is
 * `invalid_dpop_proof`, `use_dpop_nonce` (the `DPoP-Nonce` header carries a fresh nonce) or
 * `invalid_token` (the token is not usable with this scheme); `reason` says more.
 */
export class DpopRefusedException extends TokenAuthException {
  constructor(
    readonly code: 'invalid_dpop_proof' | 'use_dpop_nonce' | 'invalid_token',
    readonly reason: DpopRefusalReason,
    description: string,
    site: DpopRefusalSite,
    nonce: string | null = null,
  ) {
    const resource = site === 'resource';
    super(
      resource ? HttpStatus.UNAUTHORIZED : HttpStatus.BAD_REQUEST,
      resource ? { error: code, reason, message: description } : { error: code, reason, error_description: description, message: description },
      resource ? { error: code, description, scheme: 'DPoP' } : null,
      nonce === null ? null : { 'DPoP-Nonce': nonce },
    );
  }
}
