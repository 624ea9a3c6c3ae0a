import { DataSource, Repository, SelectQueryBuilder } from 'typeorm';
import { StoreDialect } from './store-dialect';
import { liveCondition, TokenRecord, tokenEntity } from './token.entity';

/** What `purge()` deletes and how. */
export interface PurgeOptions {
  /** The moment the purge treats as now (epoch ms). Default the current time. */
  now?: number;
  /** Seconds a revoked row is kept, so its holder hears "revoked" rather than "unknown". Default 7 days. */
  revokedOlderThan?: number;
  /** Rows per DELETE statement (1–10000). Default 1000. */
  batchSize?: number;
  /**
   * Seconds after a rotation its successor seal is wiped: set it to the module's `reuseGrace` (a
   * smaller value turns a retried refresh into reuse). Default 3600, safe for any `reuseGrace`;
   * running instances wipe their own seals when the window ends, this only catches the rest.
   */
  sealGrace?: number;
  /** Count what would be deleted, delete nothing. */
  dryRun?: boolean;
}

/** Rows deleted (or, on a dry run, that would be) per rule; `seals`: spent rows whose successor seal was wiped. */
export interface PurgeResult {
  expired: number;
  revoked: number;
  spent: number;
  seals: number;
}

const DAY = 24 * 3600;
type Rule = (query: SelectQueryBuilder<TokenRecord>) => SelectQueryBuilder<TokenRecord>;
const EXPIRED = '((t.expires_at IS NOT NULL AND t.expires_at <= :now) OR (t.absolute_expires_at IS NOT NULL AND t.absolute_expires_at <= :now))';
/** The store's live-token rule, on the family subquery's alias. */
const LIVE = liveCondition('f');

/**
 * Deletes dead token rows in small batches, then wipes stale successor seals (`seals`: one UPDATE;
 * running instances wipe their own, so few are left). The three delete rules are disjoint, so each
 * row counts once:
 *
 * - expired: an unspent row past its effective expiry (the earlier of `expires_at` and
 *   `absolute_expires_at`). It is refused anyway; nothing else looks it up.
 * - revoked: a row revoked more than `revokedOlderThan` ago that the first rule did not take
 *   (spent rows included: a replay of a revoked token is refused as revoked, never checked for reuse).
 * - spent: a spent refresh token, unrevoked, whose family has no live row left.
 *
 * Spent rows are never deleted by their own expiry. A replayed spent token is how reuse is detected,
 * and the rotation service revokes the family on any replay, however old the token: a legitimate
 * client coming back after `refreshTtl` with a token a thief already rotated still kills the thief's
 * session. Deleting it would turn that replay into "unknown" and let the thief's family live on. Once
 * no live row is left there is nothing to protect, so the spent rows go. The cost: spent rows of a
 * live family pile up until it ends; `maxLifetime` bounds that.
 *
 * Every rule only matches rows in a final state (time only moves on, revocation and spending are
 * never undone, a dead family cannot rotate), so selecting ids and then deleting them is race-free.
 */
export class TokenPurger {
  private readonly dialect: StoreDialect;
  private readonly repository: Repository<TokenRecord>;

  constructor(dataSource: DataSource, tableName: string) {
    this.dialect = new StoreDialect(dataSource);
    this.repository = dataSource.getRepository(tokenEntity(tableName));
  }

  async purge(options: PurgeOptions = {}): Promise<PurgeResult> {
    const now = options.now ?? Date.now();
    const keep = options.revokedOlderThan ?? 7 * DAY;
    const batchSize = options.batchSize ?? 1000;
    if (!Number.isFinite(now)) throw new RangeError(`purge: now must be epoch milliseconds (got ${now})`);
    if (!Number.isFinite(keep) || keep < 0) throw new RangeError(`purge: revokedOlderThan must be a non-negative number of seconds (got ${keep})`);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10000) throw new RangeError(`purge: batchSize must be an integer from 1 to 10000 (got ${batchSize})`);
    const sealGrace = options.sealGrace ?? 3600;
    if (!Number.isFinite(sealGrace) || sealGrace < 0) throw new RangeError(`purge: sealGrace must be a non-negative number of seconds (got ${sealGrace})`);
    const params = { now, revokedBefore: now - keep * 1000 };
    const rules: Record<Exclude<keyof PurgeResult, 'seals'>, Rule> = {
      expired: (q) => q.where(`t.spent_at IS NULL AND ${EXPIRED}`, params),
      revoked: (q) => q.where(`t.revoked_at IS NOT NULL AND t.revoked_at <= :revokedBefore AND (t.spent_at IS NOT NULL OR NOT ${EXPIRED})`, params),
      spent: (q) => q.where(`t.spent_at IS NOT NULL AND t.revoked_at IS NULL AND NOT EXISTS ${this.liveInFamily(q)}`, params),
    };
    const result: PurgeResult = { expired: 0, revoked: 0, spent: 0, seals: 0 };
    for (const rule of Object.keys(rules) as (keyof typeof rules)[]) {
      result[rule] = options.dryRun ? await rules[rule](this.select()).getCount() : await this.deleteInBatches(rules[rule], batchSize);
    }
    result.seals = await this.wipeSeals(now - sealGrace * 1000, options.dryRun === true);
    return result;
  }

  /** Wipes the successor seals of rows spent at or before `spentBefore` (rows that survived the delete rules). */
  private async wipeSeals(spentBefore: number, dryRun: boolean): Promise<number> {
    const stale = (q: SelectQueryBuilder<TokenRecord>) => q.where('t.successor_seal IS NOT NULL AND t.spent_at <= :spentBefore', { spentBefore });
    if (dryRun) return stale(this.select()).getCount();
    return this.dialect.serialize(async () => {
      const done = await this.repository
        .createQueryBuilder()
        .update()
        .set({ successorSeal: null })
        .where('successor_seal IS NOT NULL AND spent_at <= :spentBefore', { spentBefore })
        .execute();
      return done.affected ?? 0;
    });
  }

  /** Deletes at most `batchSize` rows per statement, so no statement holds locks for long. */
  private async deleteInBatches(rule: Rule, batchSize: number): Promise<number> {
    let total = 0;
    for (;;) {
      // Each batch goes through the store's queue, so on SQLite it never interleaves with a request's transaction.
      const deleted = await this.dialect.serialize(async () => {
        const rows: { id: string }[] = await rule(this.select()).select('t.id', 'id').limit(batchSize).getRawMany();
        if (rows.length === 0) return { found: 0, affected: 0 };
        const done = await this.repository.createQueryBuilder().delete().where('id IN (:...ids)', { ids: rows.map((r) => r.id) }).execute();
        return { found: rows.length, affected: done.affected ?? rows.length };
      });
      total += deleted.affected;
      // Nothing deleted means another purger took these rows: stop rather than spin.
      if (deleted.found < batchSize || deleted.affected === 0) return total;
    }
  }

  private select(): SelectQueryBuilder<TokenRecord> {
    return this.repository.createQueryBuilder('t');
  }

  private liveInFamily(outer: SelectQueryBuilder<TokenRecord>): string {
    return outer.subQuery().select('1').from(this.repository.target, 'f').where(`f.family_id = t.family_id AND ${LIVE}`).getQuery();
  }
}
