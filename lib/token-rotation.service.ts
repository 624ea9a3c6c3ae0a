import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ExpiryPolicy } from './expiry-policy';
import { InjectTokenAuthOptions } from './token-auth.constants';
import { TokenAuthEvents } from './token-auth.events.service';
import { InvalidGrantException } from './token-auth.exceptions';
import { ResolvedTokenAuthOptions } from './token-auth.options';
import { LoginResult, resultOf } from './token-auth.service';
import { TokenLookup } from './token-lookup';
import { TokenIssuer } from './token-issuer';
import { TokenRecord } from './storage/token.entity';
import { TokenStore } from './storage/token.store';

/**
 * Rotate mode's refresh: spends a refresh token atomically and hands out its successor pair.
 * A spent token replayed within `reuseGrace` by its immediate successor's parent gets the same pair
 * back; any other replay is reuse and revokes the whole family.
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
  ) {}

  /** `known` is the row the rate limiter already looked up for this token (saves a query; the secret is re-checked). */
  async refresh(refreshToken: string, known?: TokenRecord): Promise<LoginResult> {
    const parsed = this.lookup.parse(refreshToken);
    if (!parsed || parsed.kind !== 'refresh') throw new InvalidGrantException('malformed', 'The refresh token is malformed.');
    let record = await this.lookup.find(parsed, known);
    if (!record) throw new InvalidGrantException('unknown', 'The refresh token is not known.');
    const now = this.options.clock.now();
    if (record.spentAt === null) {
      this.assertUsable(record, now);
      const issued = this.issuer.successors(record, parsed.secret, now);
      if (!issued) throw new InvalidGrantException('unknown', 'The refresh token is not known.');
      if (await this.store.rotate(record.id, now, issued.rows)) {
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
    const inGrace = record.spentAt !== null && now - record.spentAt <= this.options.reuseGraceMs;
    if (inGrace) {
      const again = await this.sameSuccessors(record, secret, now);
      if (again) return again;
    }
    const count = await this.store.revokeFamily(record.familyId, now, 'reuse-detected');
    this.events.emit('reuse-detected', record.userId, record.familyId, { reason: 'reuse-detected', count });
    throw new InvalidGrantException('reused', 'The refresh token was already used; its session has been revoked.');
  }

  /** The predecessor's successors, if the presented token is still the immediate predecessor. */
  private async sameSuccessors(record: TokenRecord, secret: string, now: number): Promise<LoginResult | null> {
    const tokens = this.issuer.successorTokens(record, secret);
    if (!tokens) return null;
    const [access, refresh] = await Promise.all([
      this.store.findByKeyId(tokens.access.keyId),
      this.store.findByKeyId(tokens.refresh.keyId),
    ]);
    // Immediate predecessor: its successor refresh token is still unspent and live.
    if (!access || !refresh || refresh.spentAt !== null || refresh.revokedAt !== null || this.policy.isExpired(refresh, now)) return null;
    return {
      sessionId: record.familyId,
      token: tokens.access.token,
      expiresAt: this.policy.effectiveExpiry(access),
      refreshToken: tokens.refresh.token,
      refreshExpiresAt: this.policy.effectiveExpiry(refresh),
      scopes: refresh.scopes ? refresh.scopes.split(' ') : [],
    };
  }
}
