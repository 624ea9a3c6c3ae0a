/** Runs one statement for several writes of one group; resolves the ids of the rows it changed. */
export type BatchWrite<T> = (items: T[]) => Promise<string[]>;

interface Waiting<T> {
  item: T;
  resolve: (changed: boolean) => void;
  reject: (error: unknown) => void;
}

/** Most rows one shared statement names (reads and writes alike); a larger crowd is split. */
export const MAX_BATCH = 200;

/**
 * Conditional row writes that arrive in the same turn of the event loop go to the database as one
 * statement per group, flushed on `setImmediate` (like `KeyLookupBatch` does for reads). Each row
 * keeps its own conditions in the statement; each caller learns whether its own row changed.
 *
 * A second write of the same row in one turn waits for the next statement, as it would have waited
 * for the row lock, so two callers never both count one change and one statement never names a row
 * twice. With `alone`, a statement of several writes that fails is not the end: each write is tried
 * again by itself, so one bad row fails only its own caller (the failed statement changed nothing).
 */
export class TurnBatch<T extends { id: string }> {
  private waiting: Waiting<T>[] = [];
  private scheduled = false;

  constructor(
    private readonly writers: Record<string, BatchWrite<T>>,
    private readonly groupOf: (item: T) => string,
    private readonly alone?: (item: T) => Promise<boolean>,
  ) {}

  write(item: T): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
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
    const groups = new Map<string, Waiting<T>[]>();
    for (const waiting of all) {
      if (seen.has(waiting.item.id)) {
        this.waiting.push(waiting);
        continue;
      }
      seen.add(waiting.item.id);
      const group = this.groupOf(waiting.item);
      const members = groups.get(group);
      if (members) members.push(waiting);
      else groups.set(group, [waiting]);
    }
    if (this.waiting.length) this.schedule();
    for (const [group, members] of groups) {
      for (let start = 0; start < members.length; start += MAX_BATCH) void this.run(this.writers[group], members.slice(start, start + MAX_BATCH));
    }
  }

  private async run(write: BatchWrite<T>, members: Waiting<T>[]): Promise<void> {
    let changed: Set<string>;
    try {
      changed = new Set(await write(members.map((m) => m.item)));
    } catch (error) {
      const alone = this.alone;
      if (alone && members.length > 1) {
        for (const member of members) alone(member.item).then(member.resolve, member.reject);
      } else {
        for (const member of members) member.reject(error);
      }
      return;
    }
    for (const member of members) member.resolve(changed.has(member.item.id));
  }
}
