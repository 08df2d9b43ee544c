// Tuning switches in the environment (native/src/configs/tuning.h): each op family's config
// reads its own once; a value that is not understood is ignored, listed in
// info().native.warnings and printed once as a process warning, never thrown.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { info } from '../../lib/index';
import { nativeRequired } from '../helpers/native';

const root = path.resolve(__dirname, '../..');
const hasNative = info().native.loaded || nativeRequired();

// A 3x3 conv large enough for the automatic choice to take Winograd on AVX-512, and the path
// it took (the addon's test hook).
const script = `
const ck = require('./dist');
const { loadAddon } = require('./dist/backend/native/addon');
const x = ck.ones([1, 32, 16, 16]), w = ck.ones([32, 32, 3, 3]);
const y = ck.conv2d(x, w, null, { padding: 1 });
console.log(JSON.stringify({ warnings: ck.info().native.warnings, simd: ck.info().native.simd,
  path: loadAddon().addon._lastPath('conv2d'), center: y.data[8 * 16 + 8] }));`;

function run(env: Record<string, string>): { out: { warnings: string[]; simd: string; path: string; center: number }; stderr: string } {
  const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, CONVKIT_ISA: '', ...env } });
  expect(r.status, r.stderr).toBe(0);
  return { out: JSON.parse(r.stdout), stderr: r.stderr };
}

describe.runIf(hasNative)('environment switches', () => {
  it('valid values take effect without a word', () => {
    const igemm = run({ CONVKIT_CONV_ALGO: 'igemm' });
    expect(igemm.out.warnings).toEqual([]);
    expect(igemm.stderr).toBe('');
    expect(igemm.out.path).toBe('igemm');
    expect(igemm.out.center).toBe(288);
    const wino = run({ CONVKIT_CONV_ALGO: 'winograd', CONVKIT_GEMM_BLOCKS: '64,128,256' });
    expect(wino.out.warnings).toEqual([]);
    expect(wino.out.path).toBe('winograd');
    expect(wino.out.center).toBe(288);
  });

  it('unknown values are ignored, listed in info() and warned once each', () => {
    const r = run({ CONVKIT_CONV_ALGO: 'fastest', CONVKIT_GEMM_BLOCKS: '1,2', CONVKIT_WINO_PASS_FLOATS: '-3', CONVKIT_ISA: 'avx1024' });
    expect(r.out.warnings).toEqual([
      expect.stringMatching(/^CONVKIT_ISA=avx1024 is not one of/),
      expect.stringMatching(/^CONVKIT_GEMM_BLOCKS=1,2 is not "mc,kc,nc"/),
      expect.stringMatching(/^CONVKIT_CONV_ALGO=fastest is not one of auto, igemm, winograd; ignored$/),
      expect.stringMatching(/^CONVKIT_WINO_PASS_FLOATS=-3 is not a whole number/),
    ]);
    for (const w of r.out.warnings) {
      expect(r.stderr.split(w).length - 1, w).toBe(1);  // printed exactly once
    }
    expect(r.out.simd).toBe(info().native.detectedSimd);  // CONVKIT_ISA ignored too
    // The automatic choice still runs: Winograd where the config prefers it.
    expect(r.out.path).toBe(r.out.simd === 'avx512' ? 'winograd' : 'igemm');
    expect(r.out.center).toBe(288);
  });
});
