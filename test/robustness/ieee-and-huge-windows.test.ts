// IEEE semantics and extreme geometries on the native kernels (issue 10, items 5, 6 and 8),
// checked against the TS backend or a closed-form answer:
//  - Winograd (3x3 stride 1, >= 24 channels) keeps +-Inf and NaN where the direct sum has
//    them: a non-finite input must not turn its neighbours' outputs into NaN (forward and the
//    stride-1 dx, which runs as a forward conv with flipped weights);
//  - average pooling of large finite values stays finite (the sum may overflow float, the
//    mean does not);
//  - pooling with a kernel, padding, stride or dilation near 2^31 costs O(output x valid
//    taps) in time and O(input + output) in memory.
import { describe, expect, it } from 'vitest';
import { backends, info as convkitInfo } from '../../lib/index';
import { conv2dInfo } from '../../lib/shape/conv2d-info';
import { globalPool2dInfo, pool2dInfo, type Pool2dInfo } from '../../lib/shape/pool2d-info';
import { nativeRequired } from '../helpers/native';

const skip = !convkitInfo().native.loaded && !nativeRequired();

/** Indices where a and b differ Object.is-style, except that finite values may differ by tol. */
function ieeeMismatches(a: Float32Array, b: Float32Array, tol = 1e-4): number[] {
  const bad: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const u = a[i], v = b[i];
    if (Number.isFinite(u) && Number.isFinite(v)) {
      if (Math.abs(u - v) > tol * (1 + Math.abs(v))) bad.push(i);
    } else if (!Object.is(u, v) && !(u !== u && v !== v)) bad.push(i);
  }
  return bad;
}

function describeMismatch(a: Float32Array, b: Float32Array, bad: number[]): string {
  return bad.slice(0, 6).map((i) => `[${i}] native ${a[i]} ts ${b[i]}`).join(', ');
}

const SPECIALS = [Infinity, -Infinity, NaN] as const;

// [1, C, H, W] (or [1, H, W, C]) positions: corner, edge, interior, last pixel.
function positions(H: number, W: number): Array<[number, number]> {
  return [[0, 0], [0, Math.floor(W / 2)], [Math.floor(H / 2), 0], [3, 4], [H - 1, W - 1]];
}

function setPixel(data: Float32Array, layout: 'nchw' | 'nhwc', C: number, H: number, W: number, c: number, h: number, w: number, v: number) {
  data[layout === 'nchw' ? (c * H + h) * W + w : (h * W + w) * C + c] = v;
}

describe.skipIf(skip)('Winograd keeps IEEE specials (issue 10 item 5)', () => {
  for (const layout of ['nchw', 'nhwc'] as const) {
    it(`the reported case: ones [1,32,8,8] with one +Inf, w 0.01, padding 1 (${layout})`, () => {
      const C = 32, H = 8, W = 8;
      const xShape = layout === 'nchw' ? [1, C, H, W] : [1, H, W, C];
      const wShape = layout === 'nchw' ? [C, C, 3, 3] : [C, 3, 3, C];
      const info = conv2dInfo('test', xShape, wShape, { padding: 1, layout }, null);
      const x = new Float32Array(C * H * W).fill(1);
      setPixel(x, layout, C, H, W, 5, 3, 4, Infinity);
      const w = new Float32Array(C * C * 9).fill(0.01);
      const a = new Float32Array(C * H * W), b = new Float32Array(C * H * W);
      backends.native.conv2d(x, w, null, a, info);
      backends.ts.conv2d(x, w, null, b, info);
      let infs = 0;
      for (const v of a) if (v === Infinity) infs++;
      expect(infs).toBe(9 * C);  // the 3x3 neighbourhood of the Inf, every output channel
      const bad = ieeeMismatches(a, b);
      expect(bad.length, describeMismatch(a, b, bad)).toBe(0);
    });

    for (const special of SPECIALS) {
      it(`forward with ${special} at corner, edges and interior, bias and ReLU (${layout})`, () => {
        const C = 24, K = 32, H = 9, W = 10;  // ragged tiles: OH, OW odd/even
        const xShape = layout === 'nchw' ? [2, C, H, W] : [2, H, W, C];
        const wShape = layout === 'nchw' ? [K, C, 3, 3] : [K, 3, 3, C];
        for (const relu of [false, true]) {
          const info = conv2dInfo('test', xShape, wShape, { padding: 1, layout, activation: relu ? 'relu' : 'none' }, [K]);
          const x = new Float32Array(2 * C * H * W);
          for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 13) / 13 - 0.4;
          const img = C * H * W;
          positions(H, W).forEach(([h, w], j) => {
            setPixel(x.subarray(img * (j % 2)), layout, C, H, W, (3 * j) % C, h, w, special);
          });
          const w = new Float32Array(K * C * 9);
          for (let i = 0; i < w.length; i++) w[i] = ((i * 104729) % 17) / 170 - 0.05;
          const bias = new Float32Array(K).map((_, i) => i / 10 - 1);
          const n = 2 * K * H * W;
          const a = new Float32Array(n), b = new Float32Array(n);
          backends.native.conv2d(x, w, bias, a, info);
          backends.ts.conv2d(x, w, bias, b, info);
          const bad = ieeeMismatches(a, b);
          expect(bad.length, `relu ${relu}: ${describeMismatch(a, b, bad)}`).toBe(0);
        }
      });
    }

    it(`non-finite values from finite inputs: the transform's sums may overflow, the conv does not (${layout})`, () => {
      const C = 32, H = 8, W = 8;
      const xShape = layout === 'nchw' ? [1, C, H, W] : [1, H, W, C];
      const wShape = layout === 'nchw' ? [C, C, 3, 3] : [C, 3, 3, C];
      const info = conv2dInfo('test', xShape, wShape, { padding: 1, layout }, null);
      // Positive pixels near FLT_MAX: d4 + d8 overflows in the input transform, while every
      // product with w (1e-3 / C) and their sum stay finite (and well conditioned).
      const x = new Float32Array(C * H * W);
      for (let i = 0; i < x.length; i++) x[i] = 3e38 * (1 - (i % 5) / 50);
      const w = new Float32Array(C * C * 9).fill(1e-3 / C);
      const a = new Float32Array(C * H * W), b = new Float32Array(C * H * W);
      backends.native.conv2d(x, w, null, a, info);
      backends.ts.conv2d(x, w, null, b, info);
      const bad = ieeeMismatches(a, b, 1e-3);
      expect(bad.length, describeMismatch(a, b, bad)).toBe(0);
    });

    for (const special of SPECIALS) {
      it(`backward data of a stride-1 3x3 layer (a forward Winograd conv) with ${special} in dy (${layout})`, () => {
        const C = 32, H = 48, W = 48;  // >= 2048 positions: dx runs as a forward conv
        const xShape = layout === 'nchw' ? [1, C, H, W] : [1, H, W, C];
        const wShape = layout === 'nchw' ? [C, C, 3, 3] : [C, 3, 3, C];
        const info = conv2dInfo('test', xShape, wShape, { padding: 1, layout }, null);
        const dy = new Float32Array(C * H * W);
        for (let i = 0; i < dy.length; i++) dy[i] = ((i * 31) % 11) / 11 - 0.5;
        positions(H, W).forEach(([h, w], j) => setPixel(dy, layout, C, H, W, (7 * j) % C, h, w, special));
        const w = new Float32Array(C * C * 9);
        for (let i = 0; i < w.length; i++) w[i] = ((i * 13) % 7) / 70 + 0.01;
        const a = new Float32Array(C * H * W), b = new Float32Array(C * H * W);
        backends.native.conv2dBackwardData(dy, w, a, info);
        backends.ts.conv2dBackwardData(dy, w, b, info);
        const bad = ieeeMismatches(a, b);
        expect(bad.length, describeMismatch(a, b, bad)).toBe(0);
      });
    }
  }
});

function poolInfo(o: Partial<Pool2dInfo> & { inHeight: number; inWidth: number; outHeight: number; outWidth: number }): Pool2dInfo {
  return {
    batch: 1, channels: 1, kernelH: 1, kernelW: 1, strideH: 1, strideW: 1,
    padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, dilationH: 1, dilationW: 1,
    countIncludePad: false, layout: 'nchw', ...o,
  };
}

describe.skipIf(skip)('avg pooling of large finite values stays finite (issue 10 item 8)', () => {
  const geometries: Array<[string, Partial<Pool2dInfo>]> = [
    ['3x3 stride 1 pad 1', { kernelH: 3, kernelW: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1 }],
    ['2x2 stride 2', { kernelH: 2, kernelW: 2, strideH: 2, strideW: 2 }],
    ['3x3 stride 2 pad 1 count_include_pad', { kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, countIncludePad: true }],
    ['5x4 stride 3', { kernelH: 5, kernelW: 4, strideH: 3, strideW: 3 }],
    ['7x7 stride 1 (wide row buffer)', { kernelH: 7, kernelW: 7 }],
  ];
  for (const layout of ['nchw', 'nhwc'] as const) {
    for (const [name, g] of geometries) {
      it(`${name} (${layout})`, () => {
        const C = 19, H = 13, W = 35;
        const kh = g.kernelH!, kw = g.kernelW!, sh = g.strideH ?? 1, sw = g.strideW ?? 1;
        const outHeight = Math.floor((H + (g.padTop ?? 0) * 2 - kh) / sh) + 1;
        const outWidth = Math.floor((W + (g.padLeft ?? 0) * 2 - kw) / sw) + 1;
        const info = poolInfo({ ...g, batch: 2, channels: C, inHeight: H, inWidth: W, outHeight, outWidth, layout });
        const x = new Float32Array(2 * C * H * W);
        for (let i = 0; i < x.length; i++) x[i] = 3e38 * (1 - (i % 5) / 50);
        x[17] = -3e38;  // one window with mixed signs
        const n = 2 * C * outHeight * outWidth;
        const a = new Float32Array(n), b = new Float32Array(n);
        backends.native.avgPool2d(x, a, info);
        // TS sums in double: the reference
        backends.ts.avgPool2d(x, b, info);
        const bad = ieeeMismatches(a, b, 1e-5);
        expect(bad.length, describeMismatch(a, b, bad)).toBe(0);
        // Non-finite inputs stay non-finite (the fix-up recomputes, it does not hide them).
        x[0] = Infinity;
        x[1] = NaN;
        backends.native.avgPool2d(x, a, info);
        backends.ts.avgPool2d(x, b, info);
        const bad2 = ieeeMismatches(a, b, 1e-5);
        expect(bad2.length, describeMismatch(a, b, bad2)).toBe(0);
      });
    }
    it(`global avg pool (${layout})`, () => {
      for (const [N, C, H, W] of [[1, 3, 7, 7], [2, 37, 5, 9], [1, 2048, 7, 7]]) {
        const x = new Float32Array(N * C * H * W);
        for (let i = 0; i < x.length; i++) x[i] = 3e38 * (1 - (i % 7) / 70);
        const info = globalPool2dInfo('test', layout === 'nchw' ? [N, C, H, W] : [N, H, W, C], { layout });
        const a = new Float32Array(N * C), b = new Float32Array(N * C);
        backends.native.globalAvgPool2d(x, a, info);
        backends.ts.globalAvgPool2d(x, b, info);
        const bad = ieeeMismatches(a, b, 1e-5);
        expect(bad.length, `${N}x${C}x${H}x${W}: ${describeMismatch(a, b, bad)}`).toBe(0);
      }
    });
    it(`avg pool backward with dy near FLT_MAX (${layout})`, () => {
      // Every dx cell of a 3x3/1 pad-1 count_include_pad pool receives 9 x dy/9 = dy: finite.
      const C = 3, H = 8, W = 21;
      const info = poolInfo({ channels: C, inHeight: H, inWidth: W, outHeight: H, outWidth: W, kernelH: 3, kernelW: 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, countIncludePad: true, layout });
      const dy = new Float32Array(C * H * W).fill(3e38);
      const a = new Float32Array(C * H * W), b = new Float32Array(C * H * W);
      backends.native.avgPool2dBackward(dy, a, info);
      backends.ts.avgPool2dBackward(dy, b, info);
      const bad = ieeeMismatches(a, b, 1e-5);
      expect(bad.length, describeMismatch(a, b, bad)).toBe(0);
    });
  }
});

const BIG = 2 ** 31 - 1;

/** Brute-force pooled value where the window is given by valid [h0,h1) x [w0,w1) of a [H, W] plane. */
function plane(H: number, W: number, seed: number): Float32Array {
  const x = new Float32Array(H * W);
  for (let i = 0; i < x.length; i++) x[i] = ((i * 37 + seed) % 29) - 14;
  return x;
}

describe.skipIf(skip)('pooling windows near 2^31 cost O(output) (issue 10 item 6, native)', () => {
  for (const layout of ['nchw', 'nhwc'] as const) {
    it(`maxPool2d [1,1,9,9] kernel 2^31-1 padding 2^30-1 (${layout})`, () => {
      // out = (9 + 2*(2^30-1) - (2^31-1)) + 1 = 9; every window covers the whole input
      const info = poolInfo({ inHeight: 9, inWidth: 9, outHeight: 9, outWidth: 9, kernelH: BIG, kernelW: BIG, padTop: 2 ** 30 - 1, padBottom: 2 ** 30 - 1, padLeft: 2 ** 30 - 1, padRight: 2 ** 30 - 1, layout });
      const x = plane(9, 9, 1);
      const max = Math.max(...x);
      const y = new Float32Array(81);
      const t0 = performance.now();
      backends.native.maxPool2d(x, y, info);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(Array.from(y)).toEqual(new Array(81).fill(max));
      const sum = x.reduce((s, v) => s + v, 0);
      backends.native.avgPool2d(x, y, info);
      for (const v of y) expect(v).toBeCloseTo(sum / 81, 4);
      // count_include_pad: the divisor is the window clipped to the padded input, 2^31 - 1 squared.
      backends.native.avgPool2d(x, y, { ...info, countIncludePad: true });
      for (const v of y) expect(v).toBeCloseTo(sum / (BIG * BIG), 20);
      // Backward: each of the 81 windows sends its dy to the first maximum / spreads it.
      const dy = new Float32Array(81).fill(1);
      const dx = new Float32Array(81);
      backends.native.maxPool2dBackward(dy, x, dx, info);
      expect(dx[x.indexOf(max)]).toBe(81);
      expect(dx.reduce((s, v) => s + v, 0)).toBe(81);
      backends.native.avgPool2dBackward(dy, dx, info);
      for (const v of dx) expect(v).toBeCloseTo(1, 5);
    });

    it(`stride 2^31-1 with a 2^30 kernel and padding, and dilation 2^31-1 (${layout})`, () => {
      const H = 9, W = 7, C = 3;
      const x = new Float32Array(C * H * W);
      for (let i = 0; i < x.length; i++) x[i] = ((i * 37) % 29) - 14;
      const at = (c: number, h: number, w: number) => x[layout === 'nchw' ? (c * H + h) * W + w : (h * W + w) * C + c];
      // Stride 2^31-1, kernel 3, no padding: one window per axis, at (0, 0).
      {
        const info = poolInfo({ channels: C, inHeight: H, inWidth: W, outHeight: 1, outWidth: 1, kernelH: 3, kernelW: 3, strideH: BIG, strideW: BIG, layout });
        const y = new Float32Array(C);
        backends.native.maxPool2d(x, y, info);
        for (let c = 0; c < C; c++) {
          let m = -Infinity;
          for (let h = 0; h < 3; h++) for (let w = 0; w < 3; w++) m = Math.max(m, at(c, h, w));
          expect(y[c]).toBe(m);
        }
        const dx = new Float32Array(C * H * W);
        backends.native.maxPool2dBackward(new Float32Array(C).fill(1), x, dx, info);
        expect(dx.reduce((s, v) => s + v, 0)).toBe(C);
        backends.native.avgPool2dBackward(new Float32Array(C).fill(9), dx, info);
        expect(dx.reduce((s, v) => s + v, 0)).toBeCloseTo(9 * C, 3);
      }
      // Kernel 2^30, padding 2^29, stride 2^31-1: one window, covering everything.
      {
        const k = 2 ** 30, p = 2 ** 29;
        const info = poolInfo({ channels: C, inHeight: H, inWidth: W, outHeight: 1, outWidth: 1, kernelH: k, kernelW: k, strideH: BIG, strideW: BIG, padTop: p, padBottom: p, padLeft: p, padRight: p, layout });
        const y = new Float32Array(C);
        backends.native.maxPool2d(x, y, info);
        for (let c = 0; c < C; c++) {
          let m = -Infinity;
          for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) m = Math.max(m, at(c, h, w));
          expect(y[c]).toBe(m);
        }
      }
      // Kernel 2^31-1, padding 2^30-1, stride 2^31-1: one window covering everything.
      {
        const p = 2 ** 30 - 1;
        const info = poolInfo({ channels: C, inHeight: H, inWidth: W, outHeight: 1, outWidth: 1, kernelH: BIG, kernelW: BIG, strideH: BIG, strideW: BIG, padTop: p, padBottom: p, padLeft: p, padRight: p, layout });
        const y = new Float32Array(C);
        backends.native.avgPool2d(x, y, info);
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) s += at(c, h, w);
          expect(y[c]).toBeCloseTo(s / (H * W), 4);
        }
      }
      // Dilation 2^31-1: with padding at most half the kernel only a 1-tap axis can carry it
      // (span (k-1)*d + 1 must fit in the padded input); kernel [1, 1] at dilation 2^31-1 is
      // the identity, [BIG, 1] with dilation [1, BIG] a column max.
      {
        const info = poolInfo({ channels: C, inHeight: H, inWidth: W, outHeight: H, outWidth: W, dilationH: BIG, dilationW: BIG, layout });
        const y = new Float32Array(C * H * W);
        backends.native.maxPool2d(x, y, info);
        expect(Array.from(y)).toEqual(Array.from(x));
        const dx = new Float32Array(C * H * W);
        backends.native.maxPool2dBackward(new Float32Array(C * H * W).fill(1), x, dx, info);
        expect(Array.from(dx)).toEqual(new Array(C * H * W).fill(1));
      }
      {
        const p = 2 ** 30 - 1;  // out H = 9 + 2p - BIG + 1 = 9
        const info = poolInfo({ channels: C, inHeight: H, inWidth: W, outHeight: H, outWidth: W, kernelH: BIG, padTop: p, padBottom: p, dilationW: BIG, layout });
        const y = new Float32Array(C * H * W);
        backends.native.maxPool2d(x, y, info);
        for (let c = 0; c < C; c++) for (let w = 0; w < W; w++) {
          let m = -Infinity;
          for (let h = 0; h < H; h++) m = Math.max(m, at(c, h, w));
          for (let h = 0; h < H; h++) expect(y[layout === 'nchw' ? (c * H + h) * W + w : (h * W + w) * C + c]).toBe(m);
        }
        const dx = new Float32Array(C * H * W);
        backends.native.maxPool2dBackward(new Float32Array(C * H * W).fill(1), x, dx, info);
        expect(dx.reduce((s, v) => s + v, 0)).toBe(C * H * W);
      }
    });
  }

  it('the public geometry check lets kernel 2^31-1 with padding 2^30-1 through; native computes it', () => {
    const x = plane(9, 9, 3);
    for (const kind of ['max', 'avg'] as const) {
      const info = pool2dInfo(kind === 'max' ? 'maxPool2d' : 'avgPool2d', kind, [1, 1, 9, 9], { kernel: BIG, padding: 2 ** 30 - 1, stride: 1 });
      expect([info.outHeight, info.outWidth]).toEqual([9, 9]);
      const y = new Float32Array(81);
      backends.native[kind === 'max' ? 'maxPool2d' : 'avgPool2d'](x, y, info);
      const want = kind === 'max' ? Math.max(...x) : x.reduce((s, v) => s + v, 0) / 81;
      for (const v of y) expect(v).toBeCloseTo(want, 4);
    }
  });
});
