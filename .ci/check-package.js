'use strict';
// Proves what `npm pack` ships: runs `npm pack --dry-run --json` (which runs `prepare`, i.e. builds
// lib/ into dist/lib/) and checks the file list against what users need and what they must not get.
// Usage: node .ci/check-package.js [pack.json]   (a saved `npm pack --dry-run --json` output, for tests)
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const raw = process.argv[2]
  ? readFileSync(process.argv[2], 'utf8')
  : execFileSync('npm', ['pack', '--dry-run', '--json', '--loglevel=error'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
// npm prints the prepare script's output before the JSON on stdout.
const [report] = JSON.parse(raw.slice(raw.indexOf('[')));
const files = new Map(report.files.map((f) => [f.path, f]));
const problems = [];

const required = ['package.json', 'LICENSE', 'README.md', 'dist/lib/index.js', 'dist/lib/index.d.ts'];
// Every entry point package.json names must be in the tarball.
const exportTargets = Object.values(pkg.exports).flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e)));
for (const target of [pkg.main, pkg.types, ...Object.values(pkg.bin), ...exportTargets]) required.push(path.posix.normalize(target));
for (const file of new Set(required)) if (!files.has(file)) problems.push(`missing ${file}`);

const forbidden = [
  [/(^|\/)(test|tests|__tests__)\//, 'test folder'],
  [/\.(e2e-)?spec\.[cm]?[jt]s(\.map)?$/, 'spec file'],
  [/\.(e2e-)?spec\.d\.ts$/, 'spec declaration'],
  [/(^|\/)sample-app\//, 'sample app'],
  [/(^|\/)bench\//, 'benchmark'],
  [/^\.ci\//, 'CI script'],
  [/(^|\/)(?!.*\.d\.ts$)[^/]+\.ts$/, 'TypeScript source (maps carry inlined sources instead)'],
  [/\.tsbuildinfo$/, 'build info'],
  [/\.sqlite(-\w+)?$/, 'database file'],
];
for (const file of files.keys()) {
  for (const [pattern, what] of forbidden) if (pattern.test(file)) problems.push(`${file}: ${what} must not ship`);
}
// Maps must resolve without lib/*.ts in the package.
for (const file of files.keys()) {
  if (!file.endsWith('.js.map') || process.argv[2]) continue;
  const map = JSON.parse(readFileSync(path.join(root, file), 'utf8'));
  if (!map.sourcesContent || map.sourcesContent.length !== map.sources.length) problems.push(`${file}: no inlined sources`);
}

console.log(`package: ${report.filename}, ${files.size} files, ${(report.size / 1024).toFixed(0)} kB packed, ${(report.unpackedSize / 1024).toFixed(0)} kB unpacked`);
for (const problem of problems) console.log(`FAIL ${problem}`);
if (problems.length) process.exit(1);
console.log('ok   the tarball holds the compiled library, its declarations, LICENSE and README, and nothing of tests, specs, sample app or bench');
