// The hardware bounds beside each figure: single-core FMA peak and memory bandwidth, measured by
// the C++ micro-benchmarks of the core (native/bench), built on demand with CMake.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function hardware() {
  const bin = path.join(root, 'build-core', process.platform === 'win32' ? 'hw-bench.exe' : 'hw-bench');
  if (!fs.existsSync(bin)) {
    const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-core.js'), '--bench'], { cwd: root, encoding: 'utf8' });
    if (b.status !== 0 || !fs.existsSync(bin)) return { error: 'could not build the C++ hardware benchmark (needs CMake)' };
  }
  const r = spawnSync(bin, ['--json'], { encoding: 'utf8' });
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    return { error: `hw-bench printed no JSON: ${r.stderr.slice(-300)}` };
  }
}

module.exports = { hardware };
