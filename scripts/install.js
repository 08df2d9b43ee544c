#!/usr/bin/env node
// npm's install step. The package ships prebuilt addons (prebuilds/<platform>-<arch>/,
// scripts/prebuild.js): when the one for this machine loads, nothing is built and this step
// takes a second. It builds from source with node-gyp when there is none for this machine,
// when it does not load (an older glibc, say), when asked (`npm rebuild convkit
// --build-from-source` or CONVKIT_BUILD_FROM_SOURCE=1), and in a development checkout (the
// package ships no native/test), so that tests run the sources as they are.
// node-gyp is npm's own copy (npm_config_node_gyp) or the devDependency: never a download.
// A failed build is not fatal: convkit then runs on its TypeScript backend and says so when
// used. CONVKIT_REQUIRE_NATIVE=1 makes it fatal.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const required = process.env.CONVKIT_REQUIRE_NATIVE === '1';
const jobs = process.env.JOBS || 'max';

function fromSourceWanted() {
  return process.env.CONVKIT_BUILD_FROM_SOURCE === '1' ||
    process.env.npm_config_build_from_source === 'true' ||
    fs.existsSync(path.join(root, 'native', 'test'));
}

// Loads the prebuilt addon in a child process (a crash there cannot take npm down).
function prebuiltLoads() {
  const code = "const p = require('node-gyp-build').resolve(process.argv[1]); require(p); console.log(p);";
  const r = spawnSync(process.execPath, ['-e', code, root], {
    cwd: root, encoding: 'utf8', env: { ...process.env, PREBUILDS_ONLY: '1' },
  });
  return r.status === 0 ? { file: r.stdout.trim() } : { error: (r.stderr.trim().split('\n')[0] || `exit ${r.status}`) };
}

function nodeGypCommand() {
  if (process.env.npm_config_node_gyp && fs.existsSync(process.env.npm_config_node_gyp)) {
    return [process.execPath, [process.env.npm_config_node_gyp]];
  }
  try {
    return [process.execPath, [require.resolve('node-gyp/bin/node-gyp.js')]];
  } catch {
    return null;
  }
}

// Headers: npm passes its `nodedir` setting as npm_config_nodedir. Run directly (no npm),
// use the headers installed next to this node binary when there are any, so the build
// works offline instead of downloading them.
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function build() {
  const gyp = nodeGypCommand();
  if (!gyp) return 'node-gyp was not found (run this through npm, which has its own copy)';
  const started = Date.now();
  const r = spawnSync(gyp[0], [...gyp[1], 'rebuild', `--jobs=${jobs}`, ...nodedirArgs()], { cwd: root, stdio: 'inherit' });
  if (r.status === 0) {
    console.log(`convkit: native addon built in ${((Date.now() - started) / 1000).toFixed(1)} s (build/Release/convkit.node)`);
    return null;
  }
  return r.error ? r.error.message : `node-gyp exited with code ${r.status}`;
}

let why = null;
if (!fromSourceWanted()) {
  const pre = prebuiltLoads();
  if (pre.file) {
    console.log(`convkit: using the prebuilt addon ${path.relative(root, pre.file)}`);
    process.exit(0);
  }
  console.log(`convkit: no prebuilt addon loads here (${pre.error}); building from source`);
}
why = build();
if (why === null) process.exit(0);
console.warn(
  `\nconvkit: WARNING: the native addon could not be built (${why}).\n` +
  'convkit will use its pure-TypeScript backend, which is correct but much slower.\n' +
  'To build it you need python3, make and a C++17 compiler; then run `npm rebuild convkit --build-from-source`.\n' +
  'Set CONVKIT_REQUIRE_NATIVE=1 to make this failure fatal.\n');
process.exit(required ? 1 : 0);
