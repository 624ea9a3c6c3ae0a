import { KeyLookupBatch } from './key-lookup-batch';

/** Rows of a table held in memory: [keyId, value]; `calls` records each statement's key ids. */
function table(rows: Record<string, string>, fail?: Error) {
  const calls: string[][] = [];
  const batch = new KeyLookupBatch(
    async (keyIds) => {
      calls.push(keyIds);
      if (fail) throw fail;
      return keyIds.filter((k) => k in rows).map((k) => [k, rows[k]]);
    },
    (tuple) => tuple[0] as string,
  );
  return { batch, calls };
}

describe('KeyLookupBatch', () => {
  it('reads the key ids asked for in one turn with one call, once each, and answers each caller', async () => {
    const { batch, calls } = table({ a: 'A', b: 'B' });
    const answers = await Promise.all(['a', 'b', 'a', 'zz'].map((k) => batch.load(k)));
    expect(answers).toEqual([['a', 'A'], ['b', 'B'], ['a', 'A'], null]);
    expect(calls).toEqual([['a', 'b', 'zz']]);
  });

  it('starts a new call for a key id asked for in a later turn', async () => {
    const { batch, calls } = table({ a: 'A' });
    await batch.load('a');
    await batch.load('a');
    expect(calls).toEqual([['a'], ['a']]);
  });

  it('splits a crowd above 200 key ids into several calls', async () => {
    const rows = Object.fromEntries(Array.from({ length: 450 }, (_, i) => [`k${i}`, `v${i}`]));
    const { batch, calls } = table(rows);
    const answers = await Promise.all(Object.keys(rows).map((k) => batch.load(k)));
    expect(answers.map((tuple) => tuple?.[1])).toEqual(Object.values(rows));
    expect(calls.map((c) => c.length)).toEqual([200, 200, 50]);
  });

  it('rejects every caller of a failed call with its error', async () => {
    const down = new Error('connection terminated');
    const { batch } = table({ a: 'A' }, down);
    const outcomes = await Promise.allSettled([batch.load('a'), batch.load('b'), batch.load('a')]);
    expect(outcomes).toEqual(Array(3).fill({ status: 'rejected', reason: down }));
  });
});
