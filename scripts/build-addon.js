#!/usr/bin/env node
// npm's install step: build the native addon with node-gyp. A failed build is not fatal:
// convkit then runs on its pure-TypeScript backend. CONVKIT_REQUIRE_NATIVE=1 makes it fatal.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const required = process.env.CONVKIT_REQUIRE_NATIVE === '1';
const jobs = process.env.JOBS || 'max';

function nodeGypCommand() {
  try {
    return [process.execPath, [require.resolve('node-gyp/bin/node-gyp.js')]];
  } catch {
    return [process.platform === 'win32' ? 'npx.cmd' : 'npx', ['--yes', 'node-gyp']];
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

const [cmd, pre] = nodeGypCommand();
const started = Date.now();
const r = spawnSync(cmd, [...pre, 'rebuild', `--jobs=${jobs}`, ...nodedirArgs()], { cwd: root, stdio: 'inherit' });
if (r.status === 0) {
  console.log(`convkit: native addon built in ${((Date.now() - started) / 1000).toFixed(1)} s (build/Release/convkit.node)`);
  process.exit(0);
}
const why = r.error ? r.error.message : `node-gyp exited with code ${r.status}`;
console.warn(
  `\nconvkit: WARNING: the native addon could not be built (${why}).\n` +
  'convkit will use its pure-TypeScript backend, which is correct but slower.\n' +
  'To build it you need python3, make and a C++17 compiler; then run `npm rebuild convkit`.\n' +
  'Set CONVKIT_REQUIRE_NATIVE=1 to make this failure fatal.\n');
process.exit(required ? 1 : 0);
