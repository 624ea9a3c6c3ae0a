'use strict';
// Preloaded into a consumer app (`node -r ./probe.cjs dist/src/main.js`) by run.sh to prove that the app
// runs on its own install in the stage (the packed nest-token-auth and the Nest major of that app) and
// on nothing else:
// - at start it prints where the app's own `require` finds each framework package, and its version;
// - every CommonJS resolution outside CONSUMER_STAGE kills the process at once (exit 70);
// - on the first SIGTERM it lists what was really loaded (require.cache, which also holds the package,
//   CommonJS, and the ES modules it entered through require(esm)) and fails the audit if any file lies
//   outside the stage.
// ES-module imports are not hooked here: they can only reach another node_modules by walking up from
// the stage, and run.sh checks that no folder above it has one.
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');

const { isMainThread } = require('node:worker_threads');
const stage = process.env.CONSUMER_STAGE;
if (!stage) {
  console.error('consumer-probe: CONSUMER_STAGE is not set');
  process.exit(70);
}
const inside = (file) => !path.isAbsolute(file) || file === stage || file.startsWith(stage + path.sep);
const PACKAGES = ['nest-token-auth', 'better-sqlite3', '@nestjs/core', '@nestjs/common', '@nestjs/platform-express', '@nestjs/typeorm', '@nestjs/passport', '@nestjs/throttler', 'typeorm', 'express'];

const original = Module._resolveFilename;
const seenInWorker = new Set();
Module._resolveFilename = function resolveInsideStage(request, parent, ...rest) {
  const resolved = original.call(this, request, parent, ...rest);
  if (!inside(resolved)) {
    console.error(`consumer-probe: FAIL "${request}" from ${parent && parent.filename} resolved outside the stage: ${resolved}`);
    process.exit(70);
  }
  // A worker thread (the package's DPoP signature worker) shows what it loads, once each.
  if (!isMainThread && path.isAbsolute(resolved) && !seenInWorker.has(resolved)) {
    seenInWorker.add(resolved);
    console.log(`consumer-probe: worker resolve ${request} -> ${resolved}`);
  }
  return resolved;
};
// Node preloads this file into worker threads too: there only the hook above applies.
if (!isMainThread) return;

/** The version of the package that owns `file` (the package.json right under node_modules). */
function versionOf(file) {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const parent = path.basename(path.dirname(dir));
    const top = parent === 'node_modules' || (parent.startsWith('@') && path.basename(path.dirname(path.dirname(dir))) === 'node_modules');
    if (top) return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  }
  return '?';
}

const main = process.argv[1];
const appRequire = Module.createRequire(main);
console.log(`consumer-probe: node ${process.version}, require(esm) ${process.features.require_module ? 'on' : 'off'}, app ${main}`);
console.log(`consumer-probe: lookup path ${Module._nodeModulePaths(path.dirname(main)).join(' ')}`);
for (const name of PACKAGES) {
  const file = appRequire.resolve(name);
  console.log(`consumer-probe: resolve ${name} -> ${file} (${versionOf(file)})`);
}

process.once('SIGTERM', () => {
  const loaded = Object.keys(require.cache);
  const outside = loaded.filter((file) => !inside(file));
  const nest = loaded.filter((file) => /node_modules\/@nestjs\/[^/]+\/(dist\/)?index\.js$/.test(file));
  for (const file of nest) console.log(`consumer-probe: loaded ${file} (${versionOf(file)})`);
  if (outside.length > 0) console.log(`consumer-probe: audit FAIL, loaded outside the stage: ${outside.join(' ')}`);
  else console.log(`consumer-probe: audit ok, ${loaded.length} modules loaded, all under ${stage}`);
});
