import { TokenAuthEvents } from '../token-auth.events.service';
import { TokenRecord } from '../storage/token.entity';
import { DpopProofVerifier, ProofExpectation } from './dpop-proof';
import { DpopRefusalReason, DpopRefusalSite, DpopRefusedException } from './dpop.exceptions';
import { DpopPresentation, presentationOf, usesDpopScheme } from './dpop-request';
import { ResolvedDpopOptions } from './dpop.options';

const MESSAGES: Record<DpopRefusalReason, string> = {
  missing: 'A DPoP proof is required (the DPoP header).',
  multiple: 'The request carries more than one DPoP proof.',
  malformed: 'The DPoP proof is not a readable JWT.',
  typ: 'The DPoP proof must have typ "dpop+jwt".',
  alg: 'The DPoP proof is not signed with an accepted asymmetric algorithm.',
  jwk: 'The DPoP proof must carry the public key (jwk) matching its algorithm, and no private key.',
  signature: 'The DPoP proof signature does not verify.',
  htm: 'The DPoP proof is for another HTTP method (htm).',
  htu: 'The DPoP proof is for another URI (htu).',
  iat: 'The DPoP proof is too old or issued in the future (iat).',
  jti: 'The DPoP proof needs a unique jti.',
  ath: 'The DPoP proof is not for this access token (ath).',
  replayed: 'This DPoP proof has been used before.',
  key_mismatch: 'The DPoP proof is signed by a key other than the one the session is bound to.',
  nonce: 'Use the server nonce in the DPoP-Nonce header in the proof.',
  dpop_bound: 'This token is bound to a DPoP key: send it as "Authorization: DPoP <token>" with a DPoP proof.',
  dpop_required: 'This server accepts only DPoP-bound tokens: log in again with a DPoP proof.',
  not_bound: 'This token is not bound to a DPoP key: send it as a Bearer token, or log in with a DPoP proof.',
};

const TOKEN_ERRORS = new Set<DpopRefusalReason>(['dpop_bound', 'dpop_required', 'not_bound']);

/**
 * Key binding (RFC 9449): a login with a valid proof binds the session to its key's thumbprint; a
 * refresh and every use of a bound token must prove that key; an unbound session is refused where
 * DPoP is required. Refusals are typed, and each emits `dpop-proof-rejected` (ids and reason only).
 */
export class DpopBinding {
  constructor(
    private readonly verifier: DpopProofVerifier,
    readonly options: ResolvedDpopOptions,
    private readonly events: TokenAuthEvents,
  ) {}

  /**
   * What a resource request presents for DPoP; `undefined` for a plain Bearer request without a DPoP
   * header in optional mode, which has nothing to check unless its token turns out to be bound.
   */
  presentation(request: Record<string | symbol, any>): DpopPresentation | undefined {
    const headers = request.headers ?? {};
    if (this.options.mode === 'optional' && headers.dpop === undefined && !usesDpopScheme(headers.authorization)) return undefined;
    return presentationOf(request, this.options.origin);
  }

  /** The thumbprint a login binds its session to (`null`: no proof, in optional mode). */
  async keyForLogin(userId: string, presented: DpopPresentation): Promise<string | null> {
    if (presented.proof === undefined && this.options.mode === 'optional') return null;
    return this.prove(presented, {}, 'token', userId, null, null);
  }

  /** A refresh of a bound session must prove its key; in required mode an unbound one is refused. */
  async checkRefresh(record: TokenRecord, presented: DpopPresentation | undefined): Promise<void> {
    if (record.dpopJkt === null) {
      if (this.options.mode === 'required') this.refuse('dpop_required', 'token', record);
      return;
    }
    await this.prove(presented, {}, 'token', record.userId, record.familyId, record.dpopJkt);
  }

  /**
   * A resource request. `presented` is `undefined` for a Bearer request that carried no DPoP header
   * (nothing to check unless the token is bound or DPoP is required).
   */
  async checkAccess(record: TokenRecord, accessToken: string, presented: DpopPresentation | undefined): Promise<void> {
    if (!presented?.dpopScheme) {
      if (record.dpopJkt !== null) this.refuse('dpop_bound', 'resource', record);
      if (this.options.mode === 'required') this.refuse('dpop_required', 'resource', record);
      return;
    }
    if (record.dpopJkt === null) this.refuse('not_bound', 'resource', record);
    await this.prove(presented, { accessToken }, 'resource', record.userId, record.familyId, record.dpopJkt);
  }

  /** Checks the proof against the request (and the bound key), then spends its `jti`; returns the key's thumbprint. */
  private async prove(
    presented: DpopPresentation | undefined,
    expected: Pick<ProofExpectation, 'accessToken'>,
    site: DpopRefusalSite,
    userId: string,
    sessionId: string | null,
    boundJkt: string | null,
  ): Promise<string> {
    const at = { userId, familyId: sessionId };
    if (!presented) return this.refuse('missing', site, at);
    const check = await this.verifier.check(presented.proof, { method: presented.method, url: presented.url, ...expected });
    if (!check.ok) return this.refuse(check.reason, site, at);
    if (boundJkt !== null && check.jkt !== boundJkt) return this.refuse('key_mismatch', site, at);
    if (!(await this.options.replayStore.claim(check.replayKey, this.verifier.replayTtlMs))) return this.refuse('replayed', site, at);
    return check.jkt;
  }

  private refuse(reason: DpopRefusalReason, site: DpopRefusalSite, at: { userId: string; familyId: string | null }): never {
    this.events.emit('dpop-proof-rejected', at.userId, at.familyId, { reason });
    const code = reason === 'nonce' ? 'use_dpop_nonce' : TOKEN_ERRORS.has(reason) ? 'invalid_token' : 'invalid_dpop_proof';
    throw new DpopRefusedException(code, reason, MESSAGES[reason], site, this.verifier.nonces?.issue() ?? null);
  }
}

/**
 * The refusal of a bound token where no proof can be checked: DPoP turned off, or a caller without a
 * request (`TokenAuthService.authenticate`). It must not work as a bearer token.
 */
export function boundTokenWithoutProof(): DpopRefusedException {
  return new DpopRefusedException('invalid_token', 'dpop_bound', 'This token is bound to a DPoP key and is accepted only with a DPoP proof over HTTP.', 'resource');
}
