import { TokenFormat } from '../token-format';
import { LegacySuccessors } from './legacy-successors';

const SERVER_SECRET = 'legacy-vector-server-secret-0f3a9c2e7b1d4f6a8c0e2b4d';
const PREDECESSOR_SECRET = 'Z8pQ2rT5vX9yB3nM6kL1wE4sD7fG0hJa';

describe('LegacySuccessors', () => {
  // Computed by 0.1.0's TokenHasher.successorEntropy + TokenFormat.mint (commit 8d9d6f3) for these inputs.
  it('re-derives exactly the pair 0.1.x issued', () => {
    const legacy = new LegacySuccessors([{ id: 'k1', secret: SERVER_SECRET }], new TokenFormat('ntk'));
    expect(legacy.pair('k1', PREDECESSOR_SECRET)).toEqual({
      access: 'ntk_at_lZ7trzTkU1yRHjXTXeeqoDrourOVNbXIxEde6hvnFcJM3t8WO2',
      refresh: 'ntk_rt_kVUXgU6N9uvv1YFY96am1Thq03PNDaPYAJiZLXwAhREo40YSHq',
    });
  });

  it('knows nothing for a hashing key it does not hold', () => {
    expect(new LegacySuccessors([{ id: 'k1', secret: SERVER_SECRET }], new TokenFormat('ntk')).pair('k0', PREDECESSOR_SECRET)).toBeNull();
  });
});
