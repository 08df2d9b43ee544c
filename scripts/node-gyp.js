// Where node-gyp and node's headers are, without downloading either (scripts/build-addon.js,
// scripts/prebuild.js). Shipped with the package, for build-addon.js.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

// npm's own copy (npm_config_node_gyp, set by npm run / npx), the devDependency, or the copy
// in the npm beside this node binary; undefined when none exists.
function nodeGypPath() {
  const candidates = [
    process.env.npm_config_node_gyp,
    (() => { try { return require.resolve('node-gyp/bin/node-gyp.js'); } catch { return undefined; } })(),
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c) => c && fs.existsSync(c));
}

// The headers npm builds against (its nodedir setting), else those installed next to this
// node binary; undefined when neither (node-gyp would then download them).
function nodeHeadersDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

module.exports = { nodeGypPath, nodeHeadersDir };
