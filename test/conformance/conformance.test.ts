// Every case of ../shared/conformance, on both backends (native at this project's ISA level).
import { describe, expect, it } from 'vitest';
import { backends, info, setBackend } from '../../lib/index';
import { compareCase, loadManifest, runCase, type Case } from '../helpers/conformance';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';
import { convPathsAt, expectedConvPath, expectedGlobalPoolPath, expectedPoolPath, lastPath, type PoolOp } from '../helpers/paths';
import { conv2dInfo } from '../../lib/shape/conv2d-info';
import { pool2dInfo } from '../../lib/shape/pool2d-info';

const cases = loadManifest();
const isaProject = process.env.CONVKIT_ISA !== undefined;
const names = isaProject ? (['native'] as const) : (['ts', 'native'] as const);

describe('conformance manifest', () => {
  it('has the documented cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(506);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });
  itRunsAtForcedIsa();
});

const poolOps: Record<string, PoolOp> = { max_pool2d: 'max', avg_pool2d: 'avg', max_pool2d_backward: 'maxBackward', avg_pool2d_backward: 'avgBackward' };

/** The native path a conv2d or pooling case must take (null: an op without a path hook). */
function expectedPath(c: Case): { family: 'conv2d' | 'pool'; path: string } | null {
  const p = c.params;
  if (c.op === 'conv2d') {
    const opts = { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups, layout: p.layout };
    const i = conv2dInfo('conformance', c.inputs.x.shape, c.inputs.w.shape, opts, p.bias ? c.inputs.b.shape : null);
    return { family: 'conv2d', path: expectedConvPath(i) };
  }
  if (c.op in poolOps) {
    const op = poolOps[c.op];
    const opts = { kernel: p.kernel, stride: p.stride, padding: p.padding, dilation: p.dilation, ceilMode: p.ceil_mode, countIncludePad: p.count_include_pad, layout: p.layout };
    return { family: 'pool', path: expectedPoolPath(op, pool2dInfo('conformance', op.startsWith('max') ? 'max' : 'avg', c.inputs.x.shape, opts)) };
  }
  if (c.op === 'global_avg_pool2d' || c.op === 'global_max_pool2d') {
    return { family: 'pool', path: expectedGlobalPoolPath(c.op === 'global_avg_pool2d' ? 'globalAvgPool2d' : 'globalMaxPool2d', p.layout as string) };
  }
  return null;
}

for (const name of names) {
  const available = name === 'ts' || info().native.loaded;
  describe.skipIf(!available && !nativeRequired())(`conformance on ${name}`, () => {
    const seen = new Set<string>();
    it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
      expect(backends[name].name).toBe(name);
      setBackend(name);
      const want = name === 'native' ? expectedPath(c) : null;
      if (want) lastPath(want.family);  // reset
      const mismatch = compareCase(c, runCase(c));
      expect(mismatch, JSON.stringify(mismatch)).toBeNull();
      if (want) {
        expect(lastPath(want.family), `${want.family} path`).toBe(want.path);
        seen.add(`${want.family}:${want.path}`);
      }
    });
    if (name === 'native') {
      it('reaches every conv algorithm and pool kernel kind of this ISA level', () => {
        const simd = info().native.simd;
        const layouts = ['nchw', 'nhwc'];
        const pool = simd === 'avx512'
          ? [...layouts.map((l) => `${l}-avx512`), ...layouts.map((l) => `global-${l}-avx512`), ...layouts.map((l) => `global-${l}`), 'max-backward-2x2s2-nchw-avx512']
          : [...layouts, ...layouts.map((l) => `global-${l}`)];
        const want = [...convPathsAt(simd).map((p) => `conv2d:${p}`), ...pool.map((p) => `pool:${p}`)];
        expect([...seen].sort()).toEqual(expect.arrayContaining(want));
      });
    }
  });
}
