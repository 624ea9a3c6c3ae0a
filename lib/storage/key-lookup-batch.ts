import { MAX_BATCH } from './turn-batch';

/** Reads the rows of several key ids in one statement; each tuple's key id is given by `keyIdOf`. */
export type BatchFetch = (keyIds: string[]) => Promise<unknown[][]>;

interface Waiter {
  resolve: (tuple: unknown[] | null) => void;
  reject: (error: unknown) => void;
}

/**
 * Lookups by key id that arrive in the same turn of the event loop go to the database as one
 * statement (`key_id = ANY($1)`), flushed on `setImmediate`: under load, one round trip and one
 * statement parse in the database serve every request that arrived together, instead of one each.
 * A lone request waits one loop turn. The rows are read when the statement runs, exactly as a
 * lookup of its own would read them, so what a request sees is unchanged.
 */
export class KeyLookupBatch {
  private waiting = new Map<string, Waiter[]>();
  private scheduled = false;

  constructor(
    private readonly fetch: BatchFetch,
    private readonly keyIdOf: (tuple: unknown[]) => string,
  ) {}

  /** The row of `keyId` as a tuple, or `null`; rejects with the statement's error. */
  load(keyId: string): Promise<unknown[] | null> {
    return new Promise((resolve, reject) => {
      const waiters = this.waiting.get(keyId);
      if (waiters) waiters.push({ resolve, reject });
      else this.waiting.set(keyId, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.waiting;
    this.waiting = new Map();
    const keyIds = [...all.keys()];
    for (let start = 0; start < keyIds.length; start += MAX_BATCH) {
      const group = keyIds.slice(start, start + MAX_BATCH);
      void this.run(group, all);
    }
  }

  private async run(keyIds: string[], all: Map<string, Waiter[]>): Promise<void> {
    let tuples: unknown[][];
    try {
      tuples = await this.fetch(keyIds);
    } catch (error) {
      for (const keyId of keyIds) for (const waiter of all.get(keyId) ?? []) waiter.reject(error);
      return;
    }
    const found = new Map<string, unknown[]>();
    for (const tuple of tuples) found.set(this.keyIdOf(tuple), tuple);
    for (const keyId of keyIds) {
      const tuple = found.get(keyId) ?? null;
      for (const waiter of all.get(keyId) ?? []) waiter.resolve(tuple);
    }
  }
}
