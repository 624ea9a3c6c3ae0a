import { TurnBatch } from './turn-batch';

interface Use {
  id: string;
  now: number;
  slideTo: number | null;
}

const kindOf = (use: Use) => (use.slideTo === null ? 'touch' : 'slide');

/** A table of rows with an expiry, written the way the SQL does: each row keeps its own conditions. */
function table(expiries: Record<string, number>) {
  const statements: { kind: string; ids: string[] }[] = [];
  const write = (kind: string) => async (uses: Use[]) => {
    statements.push({ kind, ids: uses.map((u) => u.id) });
    return uses.filter((u) => u.slideTo === null || (expiries[u.id] > u.now && expiries[u.id] < u.slideTo && ((expiries[u.id] = u.slideTo), true))).map((u) => u.id);
  };
  return { batch: new TurnBatch<Use>({ touch: write('touch'), slide: write('slide') }, kindOf), statements };
}

describe('TurnBatch', () => {
  it('writes the uses of one turn with one statement per kind and tells each caller whether its row changed', async () => {
    const { batch, statements } = table({ a: 100, b: 100, c: 100 });
    const results = await Promise.all([
      batch.write({ id: 'a', now: 50, slideTo: 200 }),
      batch.write({ id: 'b', now: 50, slideTo: 90 }),
      batch.write({ id: 'c', now: 50, slideTo: null }),
    ]);
    expect(results).toEqual([true, false, true]);
    expect(statements).toEqual([
      { kind: 'slide', ids: ['a', 'b'] },
      { kind: 'touch', ids: ['c'] },
    ]);
  });

  it('sends a second use of the same row in one turn with the next statement, so only one caller counts the write', async () => {
    const { batch, statements } = table({ a: 100 });
    const results = await Promise.all([batch.write({ id: 'a', now: 50, slideTo: 200 }), batch.write({ id: 'a', now: 50, slideTo: 200 })]);
    expect(results).toEqual([true, false]);
    expect(statements).toEqual([
      { kind: 'slide', ids: ['a'] },
      { kind: 'slide', ids: ['a'] },
    ]);
  });

  it('splits more than 200 uses into several statements', async () => {
    const rows = Object.fromEntries(Array.from({ length: 450 }, (_, i) => [`r${i}`, 100]));
    const { batch, statements } = table(rows);
    const results = await Promise.all(Object.keys(rows).map((id) => batch.write({ id, now: 50, slideTo: 200 })));
    expect(results.every(Boolean)).toBe(true);
    expect(statements.map((s) => s.ids.length)).toEqual([200, 200, 50]);
  });

  it('rejects every caller of a failed statement with its error', async () => {
    const down = new Error('connection terminated');
    const fail = async (): Promise<string[]> => {
      throw down;
    };
    const batch = new TurnBatch<Use>({ touch: fail, slide: fail }, kindOf);
    const outcomes = await Promise.allSettled([batch.write({ id: 'a', now: 1, slideTo: null }), batch.write({ id: 'b', now: 1, slideTo: 5 })]);
    expect(outcomes).toEqual(Array(2).fill({ status: 'rejected', reason: down }));
  });

  it('with a fallback, tries each write of a failed statement by itself, so one bad row fails only its own caller', async () => {
    const bad = new Error('duplicate key');
    const statements: string[][] = [];
    const write = async (uses: Use[]) => {
      statements.push(uses.map((u) => u.id));
      if (uses.some((u) => u.id === 'bad')) throw bad;
      return uses.map((u) => u.id);
    };
    const batch = new TurnBatch<Use>({ touch: write }, () => 'touch', async (use) => (await write([use])).includes(use.id));
    const outcomes = await Promise.allSettled(['a', 'bad', 'c'].map((id) => batch.write({ id, now: 1, slideTo: null })));
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: true },
      { status: 'rejected', reason: bad },
      { status: 'fulfilled', value: true },
    ]);
    expect(statements).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
  });

  it('does not try a lone failed write twice', async () => {
    const down = new Error('connection terminated');
    let calls = 0;
    const fail = async (): Promise<string[]> => {
      calls++;
      throw down;
    };
    const batch = new TurnBatch<Use>({ touch: fail }, () => 'touch', async () => {
      calls++;
      throw down;
    });
    await expect(batch.write({ id: 'a', now: 1, slideTo: null })).rejects.toBe(down);
    expect(calls).toBe(1);
  });
});
