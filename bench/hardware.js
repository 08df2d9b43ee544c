// The hardware bounds beside each figure: single-core FMA peak and memory bandwidth, measured by
// the C++ micro-benchmarks of the core (native/bench), built on demand with CMake.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function hardware() {
  const bin = path.join(root, 'build-core', process.platform === 'win32' ? 'fma-peak.exe' : 'fma-peak');
  if (!fs.existsSync(bin)) {
    const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-core.js'), '--bench'], { cwd: root, encoding: 'utf8' });
    if (b.status !== 0 || !fs.existsSync(bin)) return { error: 'could not build the C++ hardware benchmark (needs CMake)' };
  }
  const r = spawnSync(bin, ['--json'], { encoding: 'utf8' });
  try {
    const m = JSON.parse(r.stdout.trim().split('\n').pop());
    return {
      peakGflops: m.fma_zmm_1t_gflops, peakGflopsAvx2: m.fma_ymm_1t_gflops, peakGflopsAll: m.fma_zmm_all_gflops,
      bandwidthGBs: m.read_bw_1t_gbs, bandwidthGBsAll: m.read_bw_all_gbs, threads: m.threads,
    };
  } catch {
    return { error: `fma-peak printed no JSON: ${r.stderr.slice(-300)}` };
  }
}

module.exports = { hardware };
