#!/usr/bin/env node
// Builds the native addon from source with node-gyp into build/Release/, where the loader
// (lib/backend/native/addon.ts) prefers it to the prebuilt binaries in prebuilds/.
//   In this repository: run by `npm run build` (and so by `npm start`, `npm test`); an
//   incremental build (configure, then make) after the first.
//   In a project that installed convkit: `npx convkit-build-addon` (this file is the
//   package's bin), for a machine with no prebuilt binary, or to build with its own compiler.
// The package has no install step (npm 11 holds back dependencies' install scripts, and
// --strict-allow-scripts refuses them): the prebuilt binary is loaded as it is.
// node-gyp is npm's own copy (npm_config_node_gyp, or the one beside this node's npm) or the
// devDependency, and the headers are this node's: nothing is downloaded. A failed build is
// not fatal: convkit then runs on its TypeScript backend and says so when used.
// CONVKIT_REQUIRE_NATIVE=1 makes it fatal.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { nodeGypPath, nodeHeadersDir } = require('./node-gyp');

const root = path.resolve(__dirname, '..');
const required = process.env.CONVKIT_REQUIRE_NATIVE === '1';
const jobs = process.env.JOBS || 'max';

function build() {
  const gyp = nodeGypPath();
  if (!gyp) return 'node-gyp was not found (run this through npm or npx, which bring their own copy)';
  const started = Date.now();
  const headers = nodeHeadersDir();
  for (const step of [['configure', ...(headers ? [`--nodedir=${headers}`] : [])], ['build', `--jobs=${jobs}`]]) {
    const r = spawnSync(process.execPath, [gyp, ...step], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) return r.error ? r.error.message : `node-gyp ${step[0]} exited with code ${r.status}`;
  }
  console.log(`convkit: native addon built in ${((Date.now() - started) / 1000).toFixed(1)} s (${path.join(root, 'build', 'Release', 'convkit.node')})`);
  return null;
}

const why = build();
if (why === null) process.exit(0);
console.warn(
  `\nconvkit: WARNING: the native addon could not be built (${why}).\n` +
  'convkit will use its prebuilt addon where there is one for this machine, else its pure-TypeScript backend (correct, much slower).\n' +
  'To build it you need python3, make and a C++17 compiler.\n' +
  'Set CONVKIT_REQUIRE_NATIVE=1 to make this failure fatal.\n');
process.exit(required ? 1 : 0);
