/**
 * The kinds of event the module emits (as `token-auth.<type>` on `@nestjs/event-emitter`).
 * `expired` fires when an expired token is presented (expiry itself is passive); `dpop-proof-rejected`
 * when a DPoP proof or binding check refuses a request (`reason` says why).
 */
export type TokenAuthEventType = 'issued' | 'extended' | 'rotated' | 'revoked' | 'reuse-detected' | 'expired' | 'dpop-proof-rejected';

/** One token event. Carries ids only, never a token. */
export interface TokenAuthEvent {
  type: TokenAuthEventType;
  userId: string;
  /** The session (token family) concerned; `null` when the event covers all of a user's sessions. */
  sessionId: string | null;
  /** Why tokens were revoked, for `revoked` and `reuse-detected`; why a DPoP request was refused, for `dpop-proof-rejected`. */
  reason?: string;
  /** How many rows a revocation changed. */
  count?: number;
  at: Date;
}
