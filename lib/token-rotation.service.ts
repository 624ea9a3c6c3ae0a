import { Inject, Injectable, Optional } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ExpiryPolicy } from './expiry-policy';
import { InjectTokenAuthOptions } from './token-auth.constants';
import { TokenAuthEvents } from './token-auth.events.service';
import { InvalidGrantException } from './token-auth.exceptions';
import { ResolvedTokenAuthOptions } from './token-auth.options';
import { LoginResult, resultOf } from './token-auth.service';
import { TokenLookup } from './token-lookup';
import { TokenIssuer } from './token-issuer';
import { LegacySuccessors } from './rotation/legacy-successors';
import { SealSweeper } from './rotation/seal-sweeper';
import { openSuccessors, sealSuccessors, SuccessorPair } from './rotation/successor-seal';
import { TokenRecord } from './storage/token.entity';
import { TokenStore } from './storage/token.store';
import { DpopBinding } from './dpop/dpop-binding';
import { DpopPresentation } from './dpop/dpop-request';

/**
 * Rotate mode's refresh: spends a refresh token atomically and hands out a random successor pair.
 * A spent token replayed within `reuseGrace` by its immediate successor's parent gets the same pair
 * back (opened from the seal only the predecessor token can open); any other replay of a spent
 * token, here or at `/auth/revoke`, is reuse and revokes the whole family.
 */
@Injectable()
export class TokenRotationService {
  constructor(
    @InjectTokenAuthOptions() private readonly options: ResolvedTokenAuthOptions,
    private readonly store: TokenStore,
    private readonly lookup: TokenLookup,
    private readonly policy: ExpiryPolicy,
    private readonly issuer: TokenIssuer,
    private readonly events: TokenAuthEvents,
    private readonly sweeper: SealSweeper,
    private readonly legacy: LegacySuccessors,
    @Optional() @Inject(DpopBinding) private readonly dpop: DpopBinding | null,
  ) {}

  /**
   * `known` is the row the rate limiter already looked up for this token (saves a query; the secret is
   * re-checked). `dpop`: the request's DPoP proof; a bound session's refresh must prove its key.
   */
  async refresh(refreshToken: string, known?: TokenRecord, dpop?: DpopPresentation): Promise<LoginResult> {
    const parsed = this.lookup.parse(refreshToken);
    if (!parsed || parsed.kind !== 'refresh') throw new InvalidGrantException('malformed', 'The refresh token is malformed.');
    let record = await this.lookup.find(parsed, known);
    if (!record) throw new InvalidGrantException('unknown', 'The refresh token is not known.');
    // Before anything changes: without the key, a stolen bound refresh token can neither rotate nor trip reuse detection.
    if (record.dpopJkt !== null || this.dpop?.options.mode === 'required') {
      if (!this.dpop) throw new InvalidGrantException('revoked', 'The refresh token is bound to a DPoP key and DPoP is off on this server.');
      await this.dpop.checkRefresh(record, dpop);
    }
    const now = this.options.clock.now();
    if (record.spentAt === null) {
      this.assertUsable(record, now);
      const issued = this.issuer.successors(record, now);
      const seal = sealSuccessors(record, parsed.secret, { access: issued.access.token, refresh: (issued.refresh as { token: string }).token });
      if (await this.store.rotate(record.id, now, seal, issued.rows)) {
        this.sweeper.track(record.id, now);
        this.events.emit('rotated', record.userId, record.familyId);
        return resultOf(issued);
      }
      // Another request spent it first; its transaction has committed, so read the new state.
      record = (await this.lookup.find(parsed)) as TokenRecord;
    }
    return this.replay(record, parsed.secret, now);
  }

  /** The rate-limit key of a refresh token's family (a hash of it) and its row, or `null` if unknown. */
  async throttleKey(refreshToken: unknown): Promise<{ key: string; record: TokenRecord } | null> {
    const parsed = this.lookup.parse(refreshToken);
    if (!parsed || parsed.kind !== 'refresh') return null;
    const record = await this.lookup.find(parsed);
    if (!record) return null;
    return { key: createHash('sha256').update(record.familyId).digest('hex').slice(0, 32), record };
  }

  /**
   * The one rule for a spent refresh token presented anywhere outside its grace window: it is reuse,
   * the whole family is revoked and the `reuse-detected` event says so (hosts log it from there).
   * Returns the number of rows revoked.
   */
  async reuseDetected(record: TokenRecord, now: number): Promise<number> {
    const count = await this.store.revokeFamily(record.familyId, now, 'reuse-detected');
    this.events.emit('reuse-detected', record.userId, record.familyId, { reason: 'reuse-detected', count });
    return count;
  }

  /** Whether a spent row is still inside its grace window at `now`. */
  inGrace(record: TokenRecord, now: number): boolean {
    return record.spentAt !== null && now - record.spentAt <= this.options.reuseGraceMs;
  }

  private assertUsable(record: TokenRecord, now: number): void {
    if (record.revokedAt !== null) throw new InvalidGrantException('revoked', 'The refresh token has been revoked.');
    if (this.policy.isExpired(record, now)) {
      this.events.emit('expired', record.userId, record.familyId);
      throw new InvalidGrantException('expired', 'The refresh token has expired.');
    }
  }

  /** A spent token came back: the same pair inside the grace window, otherwise family revocation. */
  private async replay(record: TokenRecord, secret: string, now: number): Promise<LoginResult> {
    if (record.revokedAt !== null) throw new InvalidGrantException('revoked', 'The refresh token has been revoked.');
    if (this.inGrace(record, now)) {
      const again = await this.sameSuccessors(record, secret, now);
      if (again) return again;
    }
    await this.reuseDetected(record, now);
    throw new InvalidGrantException('reused', 'The refresh token was already used; its session has been revoked.');
  }

  /** The predecessor's successors, if the presented token is still the immediate predecessor. */
  private async sameSuccessors(record: TokenRecord, secret: string, now: number): Promise<LoginResult | null> {
    // Rows spent before 0.2.0 carry no seal; their pair is re-derived the old way (see LegacySuccessors).
    const pair: SuccessorPair | null =
      record.successorSeal !== null ? openSuccessors(record, secret, record.successorSeal) : this.legacy.pair(record.hashKeyId, secret);
    const access = pair && this.lookup.parse(pair.access);
    const refreshToken = pair && this.lookup.parse(pair.refresh);
    if (!pair || !access || !refreshToken) return null;
    const [accessRow, refresh] = await Promise.all([this.lookup.find(access), this.lookup.find(refreshToken)]);
    // Immediate predecessor: its successor refresh token is still unspent and live.
    if (!accessRow || !refresh || refresh.parentId !== record.id || refresh.spentAt !== null || refresh.revokedAt !== null || this.policy.isExpired(refresh, now)) {
      return null;
    }
    return {
      sessionId: record.familyId,
      token: pair.access,
      expiresAt: this.policy.effectiveExpiry(accessRow),
      refreshToken: pair.refresh,
      refreshExpiresAt: this.policy.effectiveExpiry(refresh),
      scopes: refresh.scopes ? refresh.scopes.split(' ') : [],
    };
  }
}
