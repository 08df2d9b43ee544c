// The hardware bounds beside each figure: single-core FMA peak and memory bandwidth, measured by
// the C++ micro-benchmarks of the core (native/bench), built on demand with CMake.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

const bin = path.join(root, 'build-core', process.platform === 'win32' ? 'fma-peak.exe' : 'fma-peak');

function ensureBuilt() {
  if (fs.existsSync(bin)) return true;
  const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-core.js'), '--bench'], { cwd: root, encoding: 'utf8' });
  return b.status === 0 && fs.existsSync(bin);
}

function hardware() {
  if (!ensureBuilt()) return { error: 'could not build the C++ hardware benchmark (needs CMake)' };
  const r = spawnSync(bin, ['--json'], { encoding: 'utf8' });
  try {
    const m = JSON.parse(r.stdout.trim().split('\n').pop());
    return {
      peakGflops: m.fma_zmm_1t_gflops, peakGflopsAvx2: m.fma_ymm_1t_gflops, peakGflopsAll: m.fma_zmm_all_gflops,
      bandwidthGBs: m.read_bw_1t_gbs, bandwidthGBsAll: m.read_bw_all_gbs, threads: m.threads,
      // 0 where the CPU lacks the instruction (vdpbf16ps, vpdpbusd), 2 ops per multiply-add.
      bf16DotGflops: m.bf16_dot_1t_gflops ?? 0, int8DotGops: m.int8_dot_1t_gops ?? 0,
    };
  } catch {
    return { error: `fma-peak printed no JSON: ${r.stderr.slice(-300)}` };
  }
}

/**
 * The copy reference of the memory-bound tables: `fma-peak --copy`, a streaming AVX-512 copy of
 * `bytes` into another `bytes` on `threads` threads (caches evicted before each run when evict,
 * as bench/evict.js does), median of 15 runs. Returns { copyGBs (ordinary stores, as convkit's
 * kernels store), copyNtGBs (non-temporal stores), fillGBs (a write-only fill; null from an
 * fma-peak built before it had one) } in bytes read + written per second, or null.
 */
function copyBandwidth(bytes, threads, evict) {
  if (!ensureBuilt()) return null;
  const r = spawnSync(bin, ['--copy', String(bytes), String(threads), evict ? '1' : '0'], { encoding: 'utf8' });
  try {
    const m = JSON.parse(r.stdout.trim().split('\n').pop());
    return { copyGBs: m.copy_gbs, copyNtGBs: m.copy_nt_gbs, fillGBs: m.fill_gbs ?? null };
  } catch {
    return null;
  }
}

module.exports = { hardware, copyBandwidth };
