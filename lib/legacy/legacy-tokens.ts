import type { AuthenticatedToken } from '../token-auth.service';
import type { SessionView, TokenInfo } from '../token-auth.views';

/** Injection token of the legacy token source (`null` unless a `legacy` option is set). */
export const LEGACY_TOKENS = Symbol('LEGACY_TOKENS');

/**
 * Tokens another system issued that the module accepts while their holders move over (today:
 * django-rest-knox). The service hands a token to it only when `accepts` says it has that exact
 * shape, and a session to it only when `owns` says the id is one of its own.
 */
export interface LegacyTokens {
  /** Whether `token` has the legacy shape (no I/O). */
  accepts(token: string): boolean;
  /** Authenticates a token `accepts` took; `findUser` is the host's user lookup. */
  authenticate(token: string, findUser: (userId: string) => Promise<unknown>): Promise<AuthenticatedToken>;
  /** Whether a session id names a legacy token. */
  owns(sessionId: string): boolean;
  /** Ends one legacy session of the user; `false` when it is not theirs or already gone. */
  revokeSession(userId: string, sessionId: string): Promise<boolean>;
  /** Ends every legacy session of the user but `exceptSessionId`; returns how many. */
  revokeUser(userId: string, exceptSessionId?: string): Promise<number>;
  /** The user's live legacy sessions; `currentSessionId` marks the caller's own. */
  sessions(userId: string, currentSessionId: string | null): Promise<SessionView[]>;
  /** How many live legacy sessions the user holds (they count against `tokenLimitPerUser`). */
  liveCount(userId: string): Promise<number>;
  /** A live token `accepts` took, described without using it (no refresh, no delete), or `null` (introspection). */
  describe(token: string): Promise<TokenInfo | null>;
  /** Ends the session of a token `accepts` took, in any state; `null` when it names none (revocation). */
  revokeToken(token: string): Promise<{ userId: string; sessionId: string } | null>;
}
