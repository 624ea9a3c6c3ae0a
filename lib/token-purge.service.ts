import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, systemClock } from './clock';
import { PurgeOptions, PurgeResult, TokenPurger } from './storage/token.purger';

/**
 * Deletes dead token rows (expired, long-revoked, spent rows of ended sessions) and wipes successor
 * seals left past their grace window; call it from a scheduled job. The rules live in `TokenPurger`,
 * which the `purge` CLI uses without Nest. `now` defaults to the module's clock and `sealGrace` to
 * the module's `reuseGrace`, so purging agrees with how tokens are judged.
 */
@Injectable()
export class TokenPurgeService {
  private readonly purger: TokenPurger;

  constructor(
    dataSource: DataSource,
    tableName: string,
    private readonly clock: Clock = systemClock,
    private readonly reuseGrace?: number,
  ) {
    this.purger = new TokenPurger(dataSource, tableName);
  }

  /** Deletes in batches of `batchSize` and returns how many rows each rule removed. */
  purge(options: PurgeOptions = {}): Promise<PurgeResult> {
    return this.purger.purge({ ...options, now: options.now ?? this.clock.now(), sealGrace: options.sealGrace ?? this.reuseGrace });
  }
}
