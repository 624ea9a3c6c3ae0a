import { Inject, Injectable, Optional } from '@nestjs/common';
import { ExpiryPolicy } from './expiry-policy';
import { InjectTokenAuthOptions } from './token-auth.constants';
import { TokenAuthEvents } from './token-auth.events.service';
import { ResolvedTokenAuthOptions } from './token-auth.options';
import { TokenKind } from './token-format';
import { TokenLookup } from './token-lookup';
import { TokenRotationService } from './token-rotation.service';
import { TokenRecord } from './storage/token.entity';
import { TokenStore } from './storage/token.store';
import { LEGACY_TOKENS, LegacyTokens } from './legacy/legacy-tokens';

/** RFC 7662 introspection response. */
export type IntrospectionResponse =
  | { active: false }
  | { active: true; scope: string; sub: string; exp: number | null; iat: number; token_type: 'access_token' | 'refresh_token'; sid: string };

/** RFC 7009 revocation and RFC 7662 introspection. Neither has side effects on tokens it does not act on. */
@Injectable()
export class TokenStandardsService {
  constructor(
    @InjectTokenAuthOptions() private readonly options: ResolvedTokenAuthOptions,
    private readonly store: TokenStore,
    private readonly lookup: TokenLookup,
    private readonly policy: ExpiryPolicy,
    private readonly events: TokenAuthEvents,
    private readonly rotation: TokenRotationService,
    @Optional() @Inject(LEGACY_TOKENS) private readonly legacy: LegacyTokens | null = null,
  ) {}

  /**
   * Revokes the session of any token this server issued; unknown or malformed tokens are ignored
   * (RFC 7009 2.2). A spent refresh token past its grace window is reuse, as it is at `/auth/refresh`.
   * A legacy (knox) token's row is deleted, as its own logout does.
   */
  async revoke(token: string): Promise<void> {
    if (this.legacy?.accepts(token)) {
      const ended = await this.legacy.revokeToken(token);
      if (ended) this.events.emit('revoked', ended.userId, ended.sessionId, { reason: 'revoked', count: 1 });
      return;
    }
    const record = await this.issued(token);
    if (!record) return;
    const now = this.options.clock.now();
    if (record.spentAt !== null && record.revokedAt === null && !this.rotation.inGrace(record, now)) {
      await this.rotation.reuseDetected(record, now);
      return;
    }
    const count = await this.store.revokeFamily(record.familyId, now, 'revoked');
    if (count > 0) this.events.emit('revoked', record.userId, record.familyId, { reason: 'revoked', count });
  }

  /** Describes a token without using it (no sliding, no last-used write). */
  async introspect(token: string): Promise<IntrospectionResponse> {
    if (this.legacy?.accepts(token)) {
      const info = await this.legacy.describe(token);
      return info ? this.active(info.scopes.join(' '), info.userId, info.expiresAt, info.createdAt, info.kind, info.sessionId) : { active: false };
    }
    const record = await this.issued(token);
    const now = this.options.clock.now();
    if (!record || record.revokedAt !== null || record.spentAt !== null || this.policy.isExpired(record, now)) return { active: false };
    return this.active(record.scopes ?? '', record.userId, this.policy.effectiveExpiry(record), record.createdAt, record.kind, record.familyId);
  }

  private active(scope: string, sub: string, expiresAt: number | null, createdAt: number, kind: TokenKind, sid: string): IntrospectionResponse {
    return {
      active: true,
      scope,
      sub,
      exp: expiresAt === null ? null : Math.floor(expiresAt / 1000),
      iat: Math.floor(createdAt / 1000),
      token_type: kind === 'refresh' ? 'refresh_token' : 'access_token',
      sid,
    };
  }

  /** The row of a token this server issued (of either kind, in any state), or `null`. */
  private async issued(token: string): Promise<TokenRecord | null> {
    const parsed = this.lookup.parse(token);
    return parsed && this.lookup.find(parsed);
  }
}
