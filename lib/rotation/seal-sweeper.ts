import { Logger, OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../clock';
import { TokenStore } from '../storage/token.store';

/** Sealed rows remembered per instance; beyond this the purge's seal rule is the backstop. */
const MAX_PENDING = 100_000;
/** Rows per wiping UPDATE. */
const BATCH = 500;

/**
 * Wipes each rotation's successor seal once its grace window has passed, so a database copy taken
 * later holds no seal at all. Every instance remembers the rows it sealed and, while any are
 * pending, wipes the due ones by primary key every `graceMs` (at least once a second). Seals of an
 * instance that stopped first are wiped by `TokenPurger` (its `seals` rule).
 */
export class SealSweeper implements OnModuleDestroy {
  private readonly logger = new Logger('TokenAuth');
  private pending: { id: string; spentAt: number }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly store: TokenStore,
    private readonly graceMs: number,
    private readonly clock: Clock,
  ) {}

  /** Remembers a row sealed at `spentAt` (its spend time). */
  track(id: string, spentAt: number): void {
    if (this.pending.length >= MAX_PENDING) this.pending.shift();
    this.pending.push({ id, spentAt });
    this.schedule();
  }

  /** Wipes every remembered seal whose grace window has passed; returns how many rows changed. */
  async sweep(): Promise<number> {
    const cutoff = this.clock.now() - this.graceMs;
    const due = this.pending.filter((row) => row.spentAt <= cutoff);
    if (due.length === 0) return 0;
    this.pending = this.pending.filter((row) => row.spentAt > cutoff);
    let wiped = 0;
    try {
      for (let i = 0; i < due.length; i += BATCH) {
        wiped += await this.store.wipeSeals(due.slice(i, i + BATCH).map((row) => row.id), cutoff);
      }
    } catch {
      // The store has logged the outage; the purge's seal rule catches these rows later.
      this.logger.warn(`could not wipe ${due.length} successor seal(s) now; the purge will`);
    }
    return wiped;
  }

  onModuleDestroy(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.sweep().finally(() => {
        if (this.pending.length) this.schedule();
      });
    }, Math.max(this.graceMs, 1000) + 50);
    this.timer.unref();
  }
}
