import { buildSync } from 'esbuild';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

// The README promises a small client: minified + gzipped (level 9), the whole bundle with the wire contract.
const LIMIT = 4096;

describe('nest-token-auth/client size', () => {
  it(`stays under ${LIMIT} bytes minified and gzipped`, () => {
    const [bundle] = buildSync({ entryPoints: [join(__dirname, '..', '..', 'client', 'index.ts')], bundle: true, minify: true, format: 'esm', target: 'es2022', write: false }).outputFiles;
    const size = gzipSync(bundle.contents, { level: 9 }).length;
    expect(size).toBeGreaterThan(1000);
    expect(size).toBeLessThan(LIMIT);
  });
});
