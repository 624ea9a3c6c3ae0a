import { Logger } from '@nestjs/common';
import { DataSource, EntityManager, Repository, SelectQueryBuilder, UpdateQueryBuilder } from 'typeorm';
import { TokenAuthException, TokenStoreUnavailableException } from '../token-auth.exceptions';
import { TokenKind } from '../token-format';
import { TokenCache } from '../token-cache';
import { StoreDialect } from './store-dialect';
import { DEFAULT_TOKEN_TABLE, liveCondition, TokenRecord, tokenEntity } from './token.entity';
import { TokenAuthConfigError } from '../token-auth.options-validation';
import { NativeStatements } from './native-statements';
import { TokenSql } from './token.sql';
import { KeyLookupBatch } from './key-lookup-batch';
import { TurnBatch } from './turn-batch';

const LIVE = liveCondition();

/** One recorded use: the row, the time, and (sliding) the new expiry. */
interface Use {
  id: string;
  now: number;
  slideTo: number | null;
}

/** One rotation: the refresh token's row, the time, its successors' seal and rows. */
interface Rotation {
  id: string;
  now: number;
  seal: string;
  successors: TokenRecord[];
}

/**
 * Every database statement the module runs. Each state change a concurrent request could race is
 * one conditional statement checked by affected rows, or a transaction (serialised on SQLite).
 * Any database failure surfaces as `TokenStoreUnavailableException` (503), never as a 401 or 500.
 * Revocations also evict the optional token cache, so they take effect at once.
 */
export class TokenStore {
  private readonly logger = new Logger('TokenAuth');
  private readonly dialect: StoreDialect;
  private readonly repository: Repository<TokenRecord>;

  private readonly native: NativeStatements;
  private readonly sql: TokenSql;
  /** PostgreSQL: concurrent lookups share one statement. */
  private readonly batch: KeyLookupBatch | null;
  /** PostgreSQL: concurrent use writes share one statement per kind. */
  private readonly uses: TurnBatch<Use> | null;
  /** PostgreSQL and SQLite: concurrent rotations share one statement or transaction. */
  private readonly rotations: TurnBatch<Rotation> | null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly tableName: string,
    private readonly cache: TokenCache | null = null,
  ) {
    this.dialect = new StoreDialect(dataSource);
    const entity = tokenEntity(tableName);
    if (!dataSource.hasMetadata(entity)) {
      const call = tableName === DEFAULT_TOKEN_TABLE ? 'tokenEntity()' : `tokenEntity('${tableName}')`;
      throw TokenAuthConfigError.about(
        'entities',
        `the data source has no entity for the token table "${tableName}": add ${call} to your TypeORM entities or turn on autoLoadEntities`,
      );
    }
    this.repository = dataSource.getRepository(entity);
    this.native = new NativeStatements(dataSource, this.dialect.name);
    this.sql = new TokenSql(dataSource, this.repository.metadata, this.dialect.name);
    const many = this.sql.selectByKeyIds;
    this.batch = many ? new KeyLookupBatch((keyIds) => this.native.tuples(many, [keyIds]), (tuple) => this.sql.keyIdOf(tuple)) : null;
    const { touchMany, slideMany, rotateMany } = this.sql;
    const ids = (tuples: unknown[][]) => tuples.map((tuple) => tuple[0] as string);
    this.uses =
      touchMany && slideMany
        ? new TurnBatch<Use>(
            {
              touch: async (uses) => ids(await this.native.tuples(touchMany, [uses.map((u) => u.id), uses.map((u) => u.now)])),
              slide: async (uses) => ids(await this.native.tuples(slideMany, [uses.map((u) => u.id), uses.map((u) => u.now), uses.map((u) => u.slideTo)])),
            },
            (use) => (use.slideTo === null ? 'touch' : 'slide'),
          )
        : null;
    const write = this.rotationWriter(rotateMany);
    // MySQL's transaction takes several round trips; its rotations stay one transaction each.
    this.rotations = write ? new TurnBatch<Rotation>({ rotate: write }, () => 'rotate', async (rotation) => (await write([rotation])).length > 0) : null;
  }

  /**
   * The hot-path lookup: one prepared SELECT on the unique key id (on PostgreSQL shared by the
   * lookups that arrive together), an array row hydrated by hand.
   */
  findByKeyId(keyId: string): Promise<TokenRecord | null> {
    return this.run(async () => {
      const tuple = this.batch ? await this.batch.load(keyId) : await this.native.firstTuple(this.sql.selectByKeyId, [keyId]);
      return tuple ? this.sql.record(tuple) : null;
    });
  }

  insert(rows: TokenRecord[]): Promise<void> {
    return this.run(() => this.dialect.serialize(async () => void (await this.repository.insert(rows))));
  }

  /** Inserts a login's rows unless the user already holds `limit` live sessions (per-user lock). */
  insertWithinLimit(rows: TokenRecord[], limit: number, sessionKind: TokenKind, now: number): Promise<boolean> {
    const userId = rows[0].userId;
    return this.run(() =>
      this.dialect.transaction(async (runner) => {
        const live = await this.select(runner.manager)
          .where(`user_id = :userId AND kind = :kind AND ${LIVE}`, { userId, kind: sessionKind, now })
          .getCount();
        if (live >= limit) return false;
        await runner.manager.getRepository(this.repository.target).insert(rows);
        return true;
      }, `user:${this.tableName}:${userId}`),
    );
  }

  /**
   * Records a use of an access token; with `slideTo`, also moves its expiry forward. The conditions
   * make concurrent writes safe: an expiry only ever grows, and an expired or revoked token is never
   * revived. On PostgreSQL the uses of one loop turn share a statement (`TurnBatch`).
   */
  async recordUse(id: string, now: number, slideTo: number | null): Promise<boolean> {
    const uses = this.uses;
    if (uses) return this.run(() => uses.write({ id, now, slideTo }));
    const changed = await this.run(() =>
      this.dialect.serialize(() =>
        slideTo === null ? this.native.changes(this.sql.touch, [now, id, now]) : this.native.changes(this.sql.slide, [now, slideTo, id, now, slideTo]),
      ),
    );
    return changed > 0;
  }

  /**
   * Spends a refresh token, leaves its successors' `seal` on it and inserts the successors, in one
   * transaction. Exactly one of any number of concurrent callers gets `true`: the spend only matches
   * while `spent_at` is still NULL. The rotations of one loop turn share one statement on PostgreSQL
   * and one synchronous transaction on SQLite (`rotationWriter`); MySQL runs a transaction each.
   */
  rotate(predecessorId: string, now: number, seal: string, successors: TokenRecord[]): Promise<boolean> {
    const rotations = this.rotations;
    if (rotations) return this.run(() => rotations.write({ id: predecessorId, now, seal, successors }));
    const spend = [now, now, seal, predecessorId];
    return this.run(() =>
      this.dialect.transaction(async (runner) => {
        if ((await runner.query(this.sql.spend, spend, true)).affected !== 1) return false;
        for (const row of successors) await runner.query(this.sql.insert, this.sql.values(row), true);
        return true;
      }),
    );
  }

  /**
   * How the rotations of one loop turn are written, returning the ids spent: on PostgreSQL one
   * statement; on SQLite one synchronous transaction (one commit instead of one per rotation), each
   * spend still checked by its own affected-row count; `null` elsewhere.
   */
  private rotationWriter(rotateMany: string | null): ((rotations: Rotation[]) => Promise<string[]>) | null {
    if (rotateMany) {
      return async (rotations) => {
        // Every statement names its rows in id order, so crowds tend to lock them in the same order; a deadlock that still happens is retried by `run`, as every deadlock is.
        const sorted = [...rotations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        const params = [sorted.map((r) => r.id), sorted.map((r) => r.now), sorted.map((r) => r.seal), this.sql.json(sorted.flatMap((r) => r.successors))];
        return (await this.native.tuples(rotateMany, params)).map((tuple) => tuple[0] as string);
      };
    }
    if (this.dialect.name !== 'sqlite') return null;
    return (rotations) =>
      this.dialect.serialize(async () =>
        this.native.sqliteTransaction((step) => {
          const spent: string[] = [];
          for (const { id, now, seal, successors } of rotations) {
            if (step(this.sql.spend, [now, now, seal, id]) !== 1) continue;
            for (const row of successors) step(this.sql.insert, this.sql.values(row));
            spent.push(id);
          }
          return spent;
        }),
      );
  }

  /** Wipes the successor seals of these spent rows, where they were spent at or before `spentBefore`. Returns rows changed. */
  wipeSeals(ids: string[], spentBefore: number): Promise<number> {
    return this.writeCount(() =>
      this.update()
        .set({ successorSeal: null })
        .where('id IN (:...ids) AND spent_at <= :spentBefore AND successor_seal IS NOT NULL', { ids, spentBefore }),
    );
  }

  /** Revokes every not-yet-revoked row of a family; with `userId`, only if the family is theirs. */
  async revokeFamily(familyId: string, now: number, reason: string, userId?: string): Promise<number> {
    const notify = this.cache?.statement(TokenCache.familyMessage(familyId)) ?? null;
    const count = await this.revokeWhere((manager) => {
      const query = this.update(manager).set({ revokedAt: now, revokedReason: reason }).where('family_id = :familyId AND revoked_at IS NULL', { familyId });
      if (userId !== undefined) query.andWhere('user_id = :userId', { userId });
      return query;
    }, notify);
    if (count > 0) await this.cache?.evictFamily(familyId, notify !== null);
    return count;
  }

  /** Revokes every row of a user, optionally sparing one family (the current session). */
  async revokeUser(userId: string, now: number, reason: string, exceptFamilyId?: string): Promise<number> {
    const notify = this.cache?.statement(TokenCache.userMessage(userId)) ?? null;
    const count = await this.revokeWhere((manager) => {
      const query = this.update(manager).set({ revokedAt: now, revokedReason: reason }).where('user_id = :userId AND revoked_at IS NULL', { userId });
      if (exceptFamilyId !== undefined) query.andWhere('family_id <> :exceptFamilyId', { exceptFamilyId });
      return query;
    }, notify);
    // The spared session's cache entries go too; they are simply reloaded on next use.
    if (count > 0) await this.cache?.evictUser(userId, notify !== null);
    return count;
  }

  /** The user's live rows, newest first. */
  liveRowsOfUser(userId: string, now: number): Promise<TokenRecord[]> {
    return this.run(() =>
      this.select(this.repository.manager).where(`user_id = :userId AND ${LIVE}`, { userId, now }).orderBy('t.created_at', 'DESC').getMany(),
    );
  }

  private select(manager: EntityManager): SelectQueryBuilder<TokenRecord> {
    return manager.createQueryBuilder(this.repository.target, 't') as SelectQueryBuilder<TokenRecord>;
  }

  private update(manager: EntityManager = this.repository.manager): UpdateQueryBuilder<TokenRecord> {
    return manager.getRepository(this.repository.target).createQueryBuilder().update();
  }

  /**
   * Revocations run twice outside SQLite. A rotation committing meanwhile holds the spent row's lock,
   * so the first UPDATE waits for it, but its snapshot misses the successors that rotation inserted;
   * the second UPDATE (a new snapshot) catches them, so no fresh pair survives a logout.
   */
  private async revokeWhere(build: (manager?: EntityManager) => UpdateQueryBuilder<TokenRecord>, notify: { sql: string; params: unknown[] } | null): Promise<number> {
    if (notify !== null) {
      // The cache channel's message goes out in the same transaction, so it leaves exactly at the commit.
      // Read committed: each UPDATE still takes its own snapshot, as below.
      return this.run(() =>
        this.dataSource.transaction(async (manager) => {
          const count = ((await build(manager).execute()).affected ?? 0) + ((await build(manager).execute()).affected ?? 0);
          if (count > 0) await manager.query(notify.sql, notify.params);
          return count;
        }),
      );
    }
    const first = await this.writeCount(build);
    return this.dialect.name === 'sqlite' ? first : first + (await this.writeCount(build));
  }

  private writeCount(build: () => UpdateQueryBuilder<TokenRecord>): Promise<number> {
    return this.run(() => this.dialect.serialize(async () => (await build().execute()).affected ?? 0));
  }

  private async run<T>(operation: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        // A deadlock victim was rolled back whole; every operation here is safe to run again.
        if (attempt < 3 && this.dialect.isDeadlock(error)) continue;
        this.fail(error);
      }
    }
  }

  private fail(error: unknown): never {
    if (error instanceof TokenAuthException) throw error;
    this.logger.error(`token store unavailable: ${(error as Error)?.message ?? error}`);
    throw new TokenStoreUnavailableException();
  }
}
