// Builds nest-token-auth/client: one ES module the browser loads directly (dist/client/index.mjs),
// the same as CommonJS for require() (index.cjs), and the type declarations (index.d.ts).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const common = { entryPoints: [join(root, 'client', 'index.ts')], bundle: true, target: 'es2022', logLevel: 'warning', legalComments: 'none' };
await build({ ...common, format: 'esm', outfile: join(root, 'dist', 'client', 'index.mjs') });
await build({ ...common, format: 'cjs', platform: 'neutral', outfile: join(root, 'dist', 'client', 'index.cjs') });
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'client', 'tsconfig.json')], { stdio: 'inherit' });
