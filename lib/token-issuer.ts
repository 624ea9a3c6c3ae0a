import { randomUUID } from 'node:crypto';
import { ExpiryPolicy } from './expiry-policy';
import { MintedToken, TokenFormat, TokenKind } from './token-format';
import { TokenHasher } from './token-hasher';
import { TokenRecord } from './storage/token.entity';

/** What a login records about its session. */
export interface SessionMeta {
  name?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  scopes?: string[] | null;
  /** RFC 7638 thumbprint of the DPoP key to bind the session to; the login route sets it from a verified proof. */
  dpopJkt?: string | null;
}

/** A token handed to the client with its expiry (epoch ms, `null` = none). */
export interface IssuedToken {
  token: string;
  expiresAt: number | null;
}

/** The rows to store and the tokens to return for a login or a rotation. */
export interface Issued {
  rows: TokenRecord[];
  access: IssuedToken;
  refresh: IssuedToken | null;
}

/** Builds token rows: a login's first tokens, or a refresh token's successors. */
export class TokenIssuer {
  constructor(
    private readonly format: TokenFormat,
    private readonly hasher: TokenHasher,
    private readonly policy: ExpiryPolicy,
    private readonly withRefresh: boolean,
  ) {}

  /** A new family: one access token (extend) or an access + refresh pair (rotate). */
  login(userId: string, meta: SessionMeta, now: number): Issued {
    const familyId = randomUUID();
    const family = {
      userId,
      familyId,
      parentId: null,
      loginAt: now,
      absoluteExpiresAt: this.policy.absoluteFor(now),
      name: meta.name ?? null,
      ip: meta.ip ?? null,
      userAgent: meta.userAgent ?? null,
      scopes: meta.scopes?.length ? meta.scopes.join(' ') : null,
      dpopJkt: meta.dpopJkt ?? null,
    };
    // In extend mode the single token's row id is the session id.
    const access = this.build('access', family, now, this.format.mint('access'), this.withRefresh ? randomUUID() : familyId);
    const refresh = this.withRefresh ? this.build('refresh', family, now, this.format.mint('refresh'), randomUUID()) : null;
    return this.result(access, refresh);
  }

  /**
   * The successor pair of a refresh token: fresh random tokens in the predecessor's session. Nothing
   * about them follows from the predecessor or the server secret; a retried refresh gets the same
   * pair back from the predecessor's seal (see `successor-seal.ts`), not by recomputing it.
   */
  successors(predecessor: TokenRecord, now: number): Issued {
    const family = { ...predecessor, parentId: predecessor.id };
    return this.result(
      this.build('access', family, now, this.format.mint('access'), randomUUID()),
      this.build('refresh', family, now, this.format.mint('refresh'), randomUUID()),
    );
  }

  private build(kind: TokenKind, family: FamilyFields, now: number, minted: MintedToken, id: string): Built {
    const row: TokenRecord = {
      id,
      keyId: minted.keyId,
      digest: this.hasher.digest(minted.keyId, minted.secret) as string,
      hashKeyId: this.hasher.currentKeyId,
      userId: family.userId,
      kind,
      familyId: family.familyId,
      parentId: family.parentId,
      loginAt: family.loginAt,
      createdAt: now,
      expiresAt: this.policy.expiryFor(kind, now, family.absoluteExpiresAt),
      absoluteExpiresAt: family.absoluteExpiresAt,
      lastUsedAt: null,
      spentAt: null,
      successorSeal: null,
      revokedAt: null,
      revokedReason: null,
      name: family.name,
      ip: family.ip,
      userAgent: family.userAgent,
      scopes: family.scopes,
      dpopJkt: family.dpopJkt,
    };
    return { row, issued: { token: minted.token, expiresAt: row.expiresAt } };
  }

  private result(access: Built, refresh: Built | null): Issued {
    return {
      rows: refresh ? [access.row, refresh.row] : [access.row],
      access: access.issued,
      refresh: refresh && refresh.issued,
    };
  }
}

interface Built {
  row: TokenRecord;
  issued: IssuedToken;
}

type FamilyFields = Pick<TokenRecord, 'userId' | 'familyId' | 'parentId' | 'loginAt' | 'absoluteExpiresAt' | 'name' | 'ip' | 'userAgent' | 'scopes' | 'dpopJkt'>;
