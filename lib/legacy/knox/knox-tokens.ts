import { Logger } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Clock } from '../../clock';
import { TokenAuthEvents } from '../../token-auth.events.service';
import { InvalidTokenException, TokenAuthException, TokenStoreUnavailableException } from '../../token-auth.exceptions';
import type { AuthenticatedToken } from '../../token-auth.service';
import { iso, SessionView, TokenInfo } from '../../token-auth.views';
import { LegacyTokens } from '../legacy-tokens';
import { KnoxExpiry } from './knox-expiry';
import { KnoxRow, KnoxTable } from './knox-table';
import { KnoxParsedToken, KnoxTokenFormat } from './knox-token-format';

/** Session ids of knox tokens start with this; the rest is derived from the digest, never from the token. */
export const KNOX_SESSION_PREFIX = 'knox-';

/**
 * django-rest-knox tokens, with knox's semantics: one indexed query by `token_key`, a constant-time
 * digest comparison, expired rows deleted when presented, auto-refresh as knox configures it, and
 * logout deleting the row, so a Django service running beside this one sees the same state.
 */
export class KnoxTokens implements LegacyTokens {
  private readonly logger = new Logger('TokenAuth');
  private readonly expiry: KnoxExpiry;
  // The row behind each knox token this class authenticated, for an exchange (kept off the public object).
  private readonly rows = new WeakMap<AuthenticatedToken, KnoxRow>();

  constructor(
    private readonly format: KnoxTokenFormat,
    private readonly table: KnoxTable,
    expiry: KnoxExpiry,
    private readonly clock: Clock,
    private readonly events: TokenAuthEvents,
  ) {
    this.expiry = expiry;
  }

  accepts(token: string): boolean {
    return this.format.accepts(token);
  }

  async authenticate(token: string, findUser: (userId: string) => Promise<unknown>): Promise<AuthenticatedToken> {
    const parsed = this.format.parse(token);
    if (!parsed) throw new InvalidTokenException('malformed', 'The token is malformed.');
    const row = await this.rowOf(parsed);
    if (!row) throw new InvalidTokenException('unknown', 'The token is not known.');
    const now = this.clock.now();
    if (this.expiry.isExpired(row, now)) {
      // As knox does: an expired row is deleted when presented.
      await this.run(() => this.table.delete(row.digest));
      this.events.emit('expired', row.userId, sessionIdOf(row));
      throw new InvalidTokenException('expired', 'The token has expired.');
    }
    const user = await findUser(row.userId);
    if (!user) throw new InvalidTokenException('revoked', "The token's user no longer exists.");
    const refresh = this.expiry.onUse(row, now);
    if (refresh?.write && (await this.run(() => this.table.refresh(row.digest, refresh.expiry)))) {
      row.expiry = refresh.expiry;
      this.events.emit('extended', row.userId, sessionIdOf(row));
    }
    const auth: AuthenticatedToken = { user, session: this.infoOf(row), expiresAt: row.expiry };
    this.rows.set(auth, row);
    return auth;
  }

  owns(sessionId: string): boolean {
    return typeof sessionId === 'string' && sessionId.startsWith(KNOX_SESSION_PREFIX);
  }

  async revokeSession(userId: string, sessionId: string): Promise<boolean> {
    const row = (await this.live(userId)).find((r) => sessionIdOf(r) === sessionId);
    return row ? this.run(() => this.table.delete(row.digest)) : false;
  }

  async revokeUser(userId: string, exceptSessionId?: string): Promise<number> {
    const spared = exceptSessionId && this.owns(exceptSessionId) ? (await this.live(userId)).find((r) => sessionIdOf(r) === exceptSessionId) : undefined;
    return this.run(() => this.table.deleteUser(userId, spared?.digest));
  }

  async sessions(userId: string, currentSessionId: string | null): Promise<SessionView[]> {
    return (await this.live(userId)).map((row) => {
      const info = this.infoOf(row);
      return {
        id: info.sessionId,
        name: null,
        createdAt: iso(row.created) as string,
        lastUsedAt: null,
        expiry: iso(row.expiry),
        ip: null,
        userAgent: null,
        current: info.sessionId === currentSessionId,
        dpopBound: false,
      };
    });
  }

  liveCount(userId: string): Promise<number> {
    return this.run(() => this.table.countLive(userId, this.clock.now()));
  }

  async describe(token: string): Promise<TokenInfo | null> {
    const parsed = this.format.parse(token);
    const row = parsed && (await this.rowOf(parsed));
    return row && !this.expiry.isExpired(row, this.clock.now()) ? this.infoOf(row) : null;
  }

  async revokeToken(token: string): Promise<{ userId: string; sessionId: string } | null> {
    const parsed = this.format.parse(token);
    const row = parsed && (await this.rowOf(parsed));
    // As knox's logout: the row goes, whatever its state.
    return row && (await this.run(() => this.table.delete(row.digest))) ? { userId: row.userId, sessionId: sessionIdOf(row) } : null;
  }

  /**
   * Takes the row of a knox token this class authenticated out of the table, once: of any number of
   * concurrent exchanges exactly one deletes it. Refuses (`revoked`) when it is already gone.
   */
  async claim(auth: AuthenticatedToken): Promise<KnoxRow> {
    const row = this.rows.get(auth);
    if (!row) throw new InvalidTokenException('malformed', 'Only a django-rest-knox token can be exchanged here.');
    if (!(await this.run(() => this.table.delete(row.digest)))) throw new InvalidTokenException('revoked', 'The token has already been exchanged or revoked.');
    return row;
  }

  /** Puts a claimed row back (its exchange failed), so the client keeps a working token. */
  unclaim(row: KnoxRow): Promise<void> {
    return this.run(() => this.table.restore(row));
  }

  /** The row of a knox token: one indexed query by `token_key`, then a constant-time digest comparison. */
  private async rowOf(parsed: KnoxParsedToken): Promise<KnoxRow | null> {
    return matching(await this.run(() => this.table.candidates(parsed.tokenKey)), parsed.digest);
  }

  private live(userId: string): Promise<KnoxRow[]> {
    return this.run(() => this.table.liveOfUser(userId, this.clock.now()));
  }

  private infoOf(row: KnoxRow): TokenInfo {
    const sessionId = sessionIdOf(row);
    return {
      id: sessionId,
      sessionId,
      userId: row.userId,
      kind: 'access',
      // Knox has no scopes; a knox token is granted none (an exchange grants a login's scopes).
      scopes: [],
      name: null,
      loginAt: row.created,
      createdAt: row.created,
      expiresAt: row.expiry,
      absoluteExpiresAt: this.expiry.cap(row),
      lastUsedAt: null,
      ip: null,
      userAgent: null,
      // Knox tokens are bearer tokens: never bound to a DPoP key.
      dpopBound: false,
    };
  }

  private async run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof TokenAuthException) throw error;
      this.logger.error(`knox table unavailable: ${(error as Error)?.message ?? error}`);
      throw new TokenStoreUnavailableException();
    }
  }
}

/** A stable public id for a knox row: a hash of its digest, so it reveals nothing of the token. */
export function sessionIdOf(row: Pick<KnoxRow, 'digest'>): string {
  return KNOX_SESSION_PREFIX + createHash('sha256').update(row.digest).digest('hex').slice(0, 32);
}

/** The candidate whose digest equals `digest`, compared in constant time (every candidate is compared). */
function matching(candidates: KnoxRow[], digest: string): KnoxRow | null {
  const wanted = Buffer.from(digest, 'utf8');
  let found: KnoxRow | null = null;
  for (const row of candidates) {
    const stored = Buffer.from(row.digest, 'utf8');
    if (stored.length === wanted.length && timingSafeEqual(stored, wanted) && !found) found = row;
  }
  return found;
}
