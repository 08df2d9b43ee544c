// Random layer configurations shared by the forward and backward parity tests: odd sizes,
// channels not a multiple of the SIMD width, stride > kernel, asymmetric padding, dilation,
// groups and depthwise multipliers, 1x1 layers, batch > 1, both layouts.
import type { Layout } from '../../lib/index';
import { pool2dInfo } from '../../lib/shape/pool2d-info';
import { pick, randInt } from './random';

export interface ConvShapes { xShape: number[]; wShape: number[]; opts: Record<string, unknown> }

export function randomConvShapes(r: () => number, { maxBatch = 3, minDepthwise = 1 } = {}): ConvShapes {
  const layout: Layout = pick(r, ['nchw', 'nhwc'] as const);
  const kind = pick(r, ['dense', 'dense', 'grouped', 'depthwise', 'pointwise'] as const);
  const groups0 = kind === 'grouped' ? randInt(r, 2, 4) : 1;
  let cin = kind === 'depthwise' ? randInt(r, minDepthwise, 37) : groups0 * randInt(r, 1, 20);
  const groups = kind === 'depthwise' ? cin : groups0;
  const cout = groups * (kind === 'depthwise' ? randInt(r, 1, 3) : randInt(r, 1, 19));
  const kh = kind === 'pointwise' ? 1 : randInt(r, 1, 5);
  const kw = kind === 'pointwise' ? 1 : randInt(r, 1, 5);
  const stride: [number, number] = kind === 'pointwise' && r() < 0.5 ? [1, 1] : [randInt(r, 1, 4), randInt(r, 1, 4)];
  const dilation: [number, number] = r() < 0.25 ? [randInt(r, 1, 3), randInt(r, 1, 3)] : [1, 1];
  const padding: [number, number, number, number] = kind === 'pointwise' && r() < 0.5 ? [0, 0, 0, 0]
    : [randInt(r, 0, 3), randInt(r, 0, 3), randInt(r, 0, 3), randInt(r, 0, 3)];
  const h = randInt(r, dilation[0] * (kh - 1) + 1, 23);
  const w = randInt(r, dilation[1] * (kw - 1) + 1, 29);
  const n = randInt(r, 1, maxBatch);
  cin = Math.max(cin, groups);
  return {
    xShape: layout === 'nchw' ? [n, cin, h, w] : [n, h, w, cin],
    wShape: layout === 'nchw' ? [cout, cin / groups, kh, kw] : [cout, kh, kw, cin / groups],
    opts: { stride, padding, dilation, groups, layout, activation: r() < 0.3 ? 'relu' : 'none' },
  };
}

/** A random pooling window (padding at most half the kernel), ceil mode and cip included. */
export function randomPoolInfo(r: () => number, kind: 'max' | 'avg', { maxBatch = 2, maxChannels = 35 } = {}) {
  const layout = pick(r, ['nchw', 'nhwc'] as const);
  const kh = randInt(r, 1, 4);
  const kw = randInt(r, 1, 4);
  const dil: [number, number] = kind === 'max' && r() < 0.3 ? [randInt(r, 1, 2), randInt(r, 1, 2)] : [1, 1];
  const pad: [number, number, number, number] = [randInt(r, 0, kh >> 1), randInt(r, 0, kh >> 1), randInt(r, 0, kw >> 1), randInt(r, 0, kw >> 1)];
  const n = randInt(r, 1, maxBatch);
  const c = randInt(r, 1, maxChannels);
  const h = randInt(r, dil[0] * (kh - 1) + 1, 19);
  const w = randInt(r, dil[1] * (kw - 1) + 1, 21);
  const xShape = layout === 'nchw' ? [n, c, h, w] : [n, h, w, c];
  return pool2dInfo('test', kind, xShape, {
    kernel: [kh, kw], stride: [randInt(r, 1, 3), randInt(r, 1, 3)], padding: pad, dilation: dil,
    ceilMode: r() < 0.4, countIncludePad: r() < 0.5, layout,
  });
}
