// adaptiveAvgPool2d: PyTorch's adaptive windows. When the output size divides the input on
// both axes the windows are an ordinary average pool (the backends' avgPool2d); otherwise a
// TS loop (the same on both backends) computes it and its gradient.
import { invalidType, rangeError, shapeStr } from '../errors';
import { checkOneOf, checkOptions, isInt, MAX_DIM } from '../check';
import { checkTensor, Tensor } from '../tensor';
import { needsGrad, record } from '../autograd/record';
import { LAYOUTS, type Layout } from '../shape/conv2d-info';
import { strides4 } from '../backend/ts/strides';
import { addBatch } from './conv2d';
import { avgPool2d } from './pool2d';

interface Geometry { n: number; c: number; h: number; w: number; oh: number; ow: number; layout: Layout }

/** Window i of `out` over `size`: [floor(i*size/out), ceil((i+1)*size/out)). */
function bounds(i: number, size: number, out: number): [number, number] {
  return [Math.floor((i * size) / out), Math.ceil(((i + 1) * size) / out)];
}

/**
 * Calls f(xi, yi, h0, h1, w0, w1) for every output cell: yi its index, [h0, h1) x [w0, w1) its
 * window, xi(a, b) the index of the window's input at row a, column b.
 */
function forEachWindow(g: Geometry,
  f: (xi: (a: number, b: number) => number, yi: number, h0: number, h1: number, w0: number, w1: number) => void): void {
  const xs = strides4(g.layout, g.c, g.h, g.w), ys = strides4(g.layout, g.c, g.oh, g.ow);
  for (let n = 0; n < g.n; n++) for (let c = 0; c < g.c; c++) {
    const xb = n * xs.n + c * xs.c, yb = n * ys.n + c * ys.c;
    const xi = (a: number, b: number): number => xb + a * xs.h + b * xs.w;
    for (let i = 0; i < g.oh; i++) {
      const [h0, h1] = bounds(i, g.h, g.oh);
      for (let j = 0; j < g.ow; j++) {
        const [w0, w1] = bounds(j, g.w, g.ow);
        f(xi, yb + i * ys.h + j * ys.w, h0, h1, w0, w1);
      }
    }
  }
}

function forward(x: Float32Array, y: Float32Array, g: Geometry): void {
  forEachWindow(g, (xi, yi, h0, h1, w0, w1) => {
    let s = 0;
    for (let a = h0; a < h1; a++) for (let b = w0; b < w1; b++) s += x[xi(a, b)];
    y[yi] = s / ((h1 - h0) * (w1 - w0));
  });
}

function backward(dy: Float32Array, dx: Float32Array, g: Geometry): void {
  forEachWindow(g, (xi, yi, h0, h1, w0, w1) => {
    const v = dy[yi] / ((h1 - h0) * (w1 - w0));
    for (let a = h0; a < h1; a++) for (let b = w0; b < w1; b++) dx[xi(a, b)] += v;
  });
}

function checkOutputSize(op: string, v: unknown): [number, number] {
  const one = (name: string, d: unknown): number => {
    if (typeof d !== 'number') throw invalidType(op, name, 'a positive integer', d);
    if (!isInt(d) || d < 1 || d > MAX_DIM) throw rangeError(op, `${name} must be an integer in [1, ${MAX_DIM}], got ${d}`);
    return d;
  };
  if (typeof v === 'number') return [one('outputSize', v), one('outputSize', v)];
  if (Array.isArray(v) && v.length === 2) return [one('outputSize[0]', v[0]), one('outputSize[1]', v[1])];
  throw invalidType(op, 'outputSize', 'a number or [number, number]', v);
}

/**
 * Adaptive average pooling (PyTorch's `adaptive_avg_pool2d`): the output has the size asked
 * for, whatever the input's; output cell (i, j) is the mean of input rows
 * `[floor(i*H/OH), ceil((i+1)*H/OH))` and columns `[floor(j*W/OW), ceil((j+1)*W/OW))`
 * (windows may overlap by one cell when OH does not divide H). `outputSize` 1 is
 * {@link globalAvgPool2d}. Differentiable.
 * @example
 * ```ts
 * adaptiveAvgPool2d(randn([1, 512, 7, 9]), [3, 3]).shape;   // [1, 512, 3, 3]
 * ```
 * @param x - `[N, C, H, W]` (nchw, default) or `[N, H, W, C]` (nhwc); rank 3 without N gives rank 3.
 * @param outputSize - `[OH, OW]`, or one number for both.
 * @param opts - `layout` of x: `'nchw'` (default) or `'nhwc'`.
 * @returns `[N, C, OH, OW]` (nchw) or `[N, OH, OW, C]` (nhwc).
 * @throws TypeError for a wrong argument type; RangeError for a bad size or shape.
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | [number, number], opts?: {
  /** Memory order of x: 'nchw' (default) or 'nhwc'. */
  layout?: Layout;
}): Tensor {
  const op = 'adaptiveAvgPool2d';
  const xt = checkTensor(op, 'x', x);
  const o = checkOptions(op, opts, ['layout']);
  const layout = checkOneOf(op, 'layout', o.layout, LAYOUTS, 'nchw');
  const [oh, ow] = checkOutputSize(op, outputSize);
  const { t4: x4, rank3 } = addBatch(op, 'x', xt);
  const nhwc = layout === 'nhwc';
  const [n, c, h, w] = nhwc ? [x4.shape[0], x4.shape[3], x4.shape[1], x4.shape[2]] : x4.shape;
  if (n < 1 || c < 1 || h < 1 || w < 1) throw rangeError(op, `x must not be empty, got x ${shapeStr(xt.shape)} (layout ${layout})`);
  if (h % oh === 0 && w % ow === 0) return avgPool2d(xt, { kernel: [h / oh, w / ow], layout });
  const g: Geometry = { n, c, h, w, oh, ow, layout };
  const shape4 = nhwc ? [n, oh, ow, c] : [n, c, oh, ow];
  const y = new Tensor(new Float32Array(n * c * oh * ow), rank3 ? shape4.slice(1) : shape4);
  forward(x4.data, y.data, g);
  if (needsGrad(xt)) {
    const xShape = xt.shape;
    record(op, y, [xt], (gy) => {
      const dx = new Tensor(new Float32Array(n * c * h * w), xShape);
      backward(gy.data, dx.data, g);
      return [dx];
    });
  }
  return y;
}
