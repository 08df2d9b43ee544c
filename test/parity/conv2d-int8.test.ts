// conv2d with precision 'int8' (native conv2d_int8; native/include/convkit/conv2d.h has the
// arithmetic): native == the ts backend's reference bit for bit where the epilogue is exact
// (none, relu, relu6, bias and residual added in float), within the activation's
// approximation for silu and sigmoid; both layouts, at 1 and 2 threads, on pointwise (x's
// rows read in place), padded, strided and asymmetric, dilated, grouped and depthwise layers,
// a 7x7 stem and channel counts that are not multiples of 4; the path that ran; the async
// form; the error against fp32; NaN; the taps limit; bad precision values.
import { describe, expect, it } from 'vitest';
import { conv2d, conv2dAsync, getNumThreads, info, setBackend, setNumThreads, Tensor } from '../../lib/index';
import { lastPath } from '../helpers/paths';
import { maxErrors } from '../helpers/onnx-fixtures';
import { prng, randomData, worstRatio } from '../helpers/random';
import { itRunsAtForcedIsa, nativeRequired } from '../helpers/native';

const skip = !info().native.loaded && !nativeRequired();
/** The largest |y - want| over the largest |want|. */
const relErr = (y: Float32Array, want: Float32Array): number => maxErrors(y, want).rel;


function onTs<T>(f: () => T): T {
  setBackend('ts');
  try {
    return f();
  } finally {
    setBackend('native');
  }
}

describe.skipIf(skip)('conv2d precision int8 native vs ts', () => {
  itRunsAtForcedIsa();
  const cases: [string, number[], number[], Record<string, unknown>][] = [
    ['pointwise', [2, 64, 7, 9], [40, 64, 1, 1], {}],
    ['pointwise, Cin 30', [1, 30, 5, 6], [33, 30, 1, 1], {}],
    ['1x1 stride 2', [1, 40, 9, 11], [48, 40, 1, 1], { stride: 2 }],
    ['3x3', [1, 19, 11, 13], [33, 19, 3, 3], { padding: 1 }],
    ['3x3 / 2, asymmetric', [2, 16, 12, 10], [24, 16, 3, 3], { stride: 2, padding: [1, 0, 1, 0] }],
    ['7x7 / 2, Cin 3', [1, 3, 30, 30], [16, 3, 7, 7], { stride: 2, padding: 3 }],
    ['5x5 dilated', [1, 16, 10, 9], [24, 16, 5, 5], { dilation: [2, 1], padding: [3, 1, 2, 2] }],
    ['groups 4', [1, 32, 6, 6], [16, 8, 3, 3], { padding: 1, groups: 4 }],
    ['depthwise', [1, 24, 9, 9], [24, 1, 3, 3], { padding: 1, groups: 24 }],
  ];
  for (const [name, xs, ws, extra] of cases) {
    for (const layout of ['nchw', 'nhwc'] as const) for (const threads of [1, 2]) {
      it(`${name} ${layout} ${threads}T`, async () => {
        const before = getNumThreads();
        setNumThreads(threads);
        try {
          const r = prng(xs.reduce((a, b) => a * 31 + b, 11));
          const xShape = layout === 'nchw' ? xs : [xs[0], xs[2], xs[3], xs[1]];
          const wShape = layout === 'nchw' ? ws : [ws[0], ws[2], ws[3], ws[1]];
          const x = new Tensor(randomData(r, xs.reduce((a, b) => a * b, 1)), xShape);
          const w = new Tensor(randomData(r, ws.reduce((a, b) => a * b, 1)), wShape);
          const bias = new Tensor(randomData(r, ws[0]), [ws[0]]);
          const base = { ...extra, layout, bias, precision: 'int8' as const };
          const yf = conv2d(x, w, { ...base, precision: 'fp32' });
          const residual = new Tensor(randomData(r, yf.size), yf.shape);
          for (const [act, res] of [['none', null], ['relu', residual], ['relu6', null], ['silu', residual]] as const) {
            const opts = { ...base, activation: act, residual };
            lastPath('conv2d');
            const y = conv2d(x, w, opts);
            expect(lastPath('conv2d'), name).toBe('int8-gemm');
            const yts = onTs(() => conv2d(x, w, opts));
            if (act === 'silu') expect(worstRatio(y.data, yts.data, 1e-6, 1e-6)).toBeLessThanOrEqual(1);
            else expect(Array.from(y.data), `${name} ${act}`).toEqual(Array.from(yts.data));
            if (act === 'none') {
              const e = relErr(y.data, conv2d(x, w, { ...opts, precision: 'fp32' }).data);
              expect(e, name).toBeGreaterThan(1e-5);  // the quantization shows
              expect(e, name).toBeLessThan(0.02);
            }
          }
          const opts = { ...base, activation: 'relu' as const, residual };
          expect(Array.from((await conv2dAsync(x, w, opts)).data)).toEqual(Array.from(conv2d(x, w, opts).data));
        } finally {
          setNumThreads(before);
        }
      });
    }
  }

  it('NaN in x makes every output NaN, an infinity in a filter its channel; all-zero x gives the bias', () => {
    const r = prng(3);
    const x = new Tensor(randomData(r, 2 * 8 * 6 * 6), [2, 8, 6, 6]);
    const w = new Tensor(randomData(r, 12 * 8 * 9), [12, 8, 3, 3]);
    const b = new Tensor(randomData(r, 12), [12]);
    for (const be of ['native', 'ts'] as const) {
      setBackend(be);
      try {
        const xn = new Tensor(x.data.slice(), x.shape);
        xn.data[40] = NaN;
        expect(conv2d(xn, w, { padding: 1, precision: 'int8' }).data.every(Number.isNaN), be).toBe(true);
        const wi = new Tensor(w.data.slice(), w.shape);
        wi.data[5 * 72 + 3] = Infinity;  // channel 5
        const y = conv2d(x, wi, { padding: 1, precision: 'int8' });
        for (let i = 0; i < y.size; i++) expect(Number.isNaN(y.data[i]), `${be} ${i}`).toBe(Math.floor(i / 36) % 12 === 5);
        const y0 = conv2d(new Tensor(new Float32Array(x.size), x.shape), w, { padding: 1, bias: b, precision: 'int8' });
        for (let i = 0; i < y0.size; i++) expect(y0.data[i]).toBe(b.data[Math.floor(i / 36) % 12]);
      } finally {
        setBackend('native');
      }
    }
  });

  it('refuses filters of more than 65536 taps and unknown precisions, naming the op', () => {
    const x = new Tensor(new Float32Array(8193 * 9), [1, 8193, 3, 3]), w = new Tensor(new Float32Array(8193 * 9), [1, 8193, 3, 3]);
    expect(() => conv2d(x, w, { padding: 1, precision: 'int8' })).toThrow(/^conv2d: precision 'int8' takes filters of up to 65536 taps, got 73737/);
    expect(conv2d(x, w, { padding: 1 }).size).toBe(9);  // fp32: no limit
    expect(() => conv2d(x, w, { precision: 'int4' as never })).toThrow(/conv2d: .*precision/);
  });
});
