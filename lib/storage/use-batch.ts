/** Runs one statement for several uses; resolves the ids whose row it changed. */
export type UseWrite = (uses: Use[]) => Promise<string[]>;

/** One recorded use: the row, the time, and (sliding) the new expiry. */
export interface Use {
  id: string;
  now: number;
  slideTo: number | null;
}

interface Waiting extends Use {
  resolve: (changed: boolean) => void;
  reject: (error: unknown) => void;
}

/** Most uses one statement writes; a larger crowd is split. */
const MAX_BATCH = 200;

/**
 * Use writes (`last_used_at`, and the sliding expiry) that arrive in the same turn of the event loop
 * go to the database as one statement per kind (touch, slide), flushed on `setImmediate`, like
 * `KeyLookupBatch` does for reads. Each row keeps its own conditions, so an expiry still only grows
 * and a revoked or expired token is never revived; each caller learns whether its own row changed.
 * A second use of the same row in one turn waits for the next statement, as it would have waited for
 * the row lock, so two callers never both count one write.
 */
export class UseBatch {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly touch: UseWrite,
    private readonly slide: UseWrite,
  ) {}

  record(use: Use): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ ...use, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.waiting;
    this.waiting = [];
    const seen = new Set<string>();
    const groups: { touch: Waiting[]; slide: Waiting[] } = { touch: [], slide: [] };
    for (const use of all) {
      if (seen.has(use.id)) {
        this.waiting.push(use);
        continue;
      }
      seen.add(use.id);
      groups[use.slideTo === null ? 'touch' : 'slide'].push(use);
    }
    if (this.waiting.length) this.schedule();
    for (const [kind, uses] of Object.entries(groups) as ['touch' | 'slide', Waiting[]][]) {
      for (let start = 0; start < uses.length; start += MAX_BATCH) void this.run(kind === 'touch' ? this.touch : this.slide, uses.slice(start, start + MAX_BATCH));
    }
  }

  private async run(write: UseWrite, uses: Waiting[]): Promise<void> {
    let changed: Set<string>;
    try {
      changed = new Set(await write(uses));
    } catch (error) {
      for (const use of uses) use.reject(error);
      return;
    }
    for (const use of uses) use.resolve(changed.has(use.id));
  }
}
