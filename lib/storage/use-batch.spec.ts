import { Use, UseBatch } from './use-batch';

/** A table of rows with an expiry, written the way the SQL does: each row keeps its own conditions. */
function table(expiries: Record<string, number>) {
  const statements: { kind: string; ids: string[] }[] = [];
  const write = (kind: string) => async (uses: Use[]) => {
    statements.push({ kind, ids: uses.map((u) => u.id) });
    return uses.filter((u) => u.slideTo === null || (expiries[u.id] > u.now && expiries[u.id] < u.slideTo && ((expiries[u.id] = u.slideTo), true))).map((u) => u.id);
  };
  return { batch: new UseBatch(write('touch'), write('slide')), statements };
}

describe('UseBatch', () => {
  it('writes the uses of one turn with one statement per kind and tells each caller whether its row changed', async () => {
    const { batch, statements } = table({ a: 100, b: 100, c: 100 });
    const results = await Promise.all([
      batch.record({ id: 'a', now: 50, slideTo: 200 }),
      batch.record({ id: 'b', now: 50, slideTo: 90 }),
      batch.record({ id: 'c', now: 50, slideTo: null }),
    ]);
    expect(results).toEqual([true, false, true]);
    expect(statements).toEqual([
      { kind: 'touch', ids: ['c'] },
      { kind: 'slide', ids: ['a', 'b'] },
    ]);
  });

  it('sends a second use of the same row in one turn with the next statement, so only one caller counts the write', async () => {
    const { batch, statements } = table({ a: 100 });
    const results = await Promise.all([batch.record({ id: 'a', now: 50, slideTo: 200 }), batch.record({ id: 'a', now: 50, slideTo: 200 })]);
    expect(results).toEqual([true, false]);
    expect(statements).toEqual([
      { kind: 'slide', ids: ['a'] },
      { kind: 'slide', ids: ['a'] },
    ]);
  });

  it('splits more than 200 uses into several statements', async () => {
    const rows = Object.fromEntries(Array.from({ length: 450 }, (_, i) => [`r${i}`, 100]));
    const { batch, statements } = table(rows);
    const results = await Promise.all(Object.keys(rows).map((id) => batch.record({ id, now: 50, slideTo: 200 })));
    expect(results.every(Boolean)).toBe(true);
    expect(statements.map((s) => s.ids.length)).toEqual([200, 200, 50]);
  });

  it('rejects every caller of a failed statement with its error', async () => {
    const down = new Error('connection terminated');
    const batch = new UseBatch(
      async () => {
        throw down;
      },
      async () => {
        throw down;
      },
    );
    const outcomes = await Promise.allSettled([batch.record({ id: 'a', now: 1, slideTo: null }), batch.record({ id: 'b', now: 1, slideTo: 5 })]);
    expect(outcomes).toEqual(Array(2).fill({ status: 'rejected', reason: down }));
  });
});
