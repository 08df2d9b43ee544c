// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool over NCHW.
import { backend } from '../../backend/select';
import { globalPool2dInfo, pool2dInfo } from '../../shape/pool2d-info';
import type { Attrs } from '../attrs';
import { windowAttrs, windowPads } from './conv';
import { dims, floatInput, op, type Planned } from './op';
import { outputSize } from '../../shape/output-size';
import { broadcastInfo } from '../../shape/broadcast-info';

function pool(kind: 'max' | 'avg') {
  return op({
    inputs: [1, 1],
    load(a: Attrs) {
      a.only(kind === 'max' ? ['auto_pad', 'ceil_mode', 'dilations', 'kernel_shape', 'pads', 'storage_order', 'strides'] : ['auto_pad', 'ceil_mode', 'count_include_pad', 'kernel_shape', 'pads', 'strides']);
      if (kind === 'max' && a.node.outputs.length > 1 && a.node.outputs[1] !== '') throw new TypeError(`onnx.load: node "${a.node.name}" (MaxPool) asks for its Indices output, which convkit does not produce`);
      if (kind === 'max' && a.int('storage_order', 0) !== 0) throw new RangeError(`onnx.load: node "${a.node.name}" (MaxPool) attribute "storage_order" is 1; convkit runs 0`);
      const w = windowAttrs(a, kind === 'max');
      if (!w.kernel.length) throw new RangeError(`onnx.load: node "${a.node.name}" (${a.node.op}) attribute "kernel_shape" is required`);
      return { ...w, ceilMode: a.int('ceil_mode', 0) === 1, countIncludePad: a.int('count_include_pad', 0) === 1 };
    },
    plan(p) {
      const x = floatInput(p, 0);
      if (x.shape.length !== 4) throw new RangeError(`convkit runs 2-D pooling (rank-4 x), got x ${dims(x.shape)}`);
      const a = p.attrs;
      const pads = windowPads(a.autoPad, a.pads, x.shape[2], x.shape[3], a.kernel, a.strides, a.dilations);
      const [t, b, l, r] = pads;
      if (Math.max(t, b) * 2 > a.kernel[0] || Math.max(l, r) * 2 > a.kernel[1]) return padThenPool(kind, x.shape, a, pads);
      const info = pool2dInfo(kind === 'max' ? 'maxPool2d' : 'avgPool2d', kind, x.shape, {
        kernel: a.kernel, stride: a.strides, padding: pads, ceilMode: a.ceilMode,
        ...(kind === 'max' ? { dilation: a.dilations } : { countIncludePad: a.countIncludePad }),
      });
      const be = backend();
      return {
        outputs: [{ shape: [info.batch, info.channels, info.outHeight, info.outWidth], dtype: 'float32' }],
        kernel: kind === 'max' ? (xs, ys) => be.maxPool2d(xs[0] as Float32Array, ys[0], info) : (xs, ys) => be.avgPool2d(xs[0] as Float32Array, ys[0], info),
      };
    },
  });
}

interface PoolAttrs { kernel: number[]; strides: number[]; dilations: number[]; ceilMode: boolean; countIncludePad: boolean }

/**
 * ONNX allows pads up to kernel - 1; the pooling kernels take at most half the kernel (PyTorch's
 * rule). Such a node pads explicitly (-inf for max, 0 for average) to exactly the extent its
 * windows read, pools without padding, and for average rescales each output by
 * kernel area / ONNX's divisor (count_include_pad: the window clipped to the padded input;
 * else the input cells it covers).
 */
function padThenPool(kind: 'max' | 'avg', xShape: readonly number[], a: PoolAttrs, [t, b, l, r]: readonly number[]): Planned {
  const [n, c, h, w] = xShape;
  const [kh, kw] = a.kernel, [sh, sw] = a.strides, [dh, dw] = a.dilations;
  const oh = outputSize(h, kh, sh, t, b, dh, a.ceilMode), ow = outputSize(w, kw, sw, l, r, dw, a.ceilMode);
  if (oh < 1 || ow < 1) throw new RangeError(`the output would be ${Math.max(oh, 0)}x${Math.max(ow, 0)} for x ${dims(xShape)}`);
  const effH = (kh - 1) * dh + 1, effW = (kw - 1) * dw + 1;
  // The padded input ends where the last window ends (a negative end crops what no window reads).
  const endH = (oh - 1) * sh + effH - h - t, endW = (ow - 1) * sw + effW - w - l;
  const padInfo = { inShape: xShape.slice(), begins: [0, 0, t, l], ends: [0, 0, endH, endW], mode: 'constant' as const, value: kind === 'max' ? -Infinity : 0 };
  const ph = h + t + endH, pw = w + l + endW;
  const padded = new Float32Array(n * c * ph * pw);
  const info = pool2dInfo(kind === 'max' ? 'maxPool2d' : 'avgPool2d', kind, [n, c, ph, pw], {
    kernel: a.kernel, stride: a.strides, padding: 0, ...(kind === 'max' ? { dilation: a.dilations } : {}),
  });
  if (info.outHeight !== oh || info.outWidth !== ow) throw new RangeError(`internal: padded pooling gives ${info.outHeight}x${info.outWidth}, not ${oh}x${ow}`);
  const be = backend();
  const out = [n, c, oh, ow];
  if (kind === 'max') {
    return { outputs: [{ shape: out, dtype: 'float32' }], kernel: (xs, ys) => { be.pad(xs[0] as Float32Array, padded, padInfo); be.maxPool2d(padded, ys[0], info); }, note: 'padded explicitly' };
  }
  const factor = new Float32Array(oh * ow);
  const span = (o: number, s: number, p0: number, p1: number, k: number, size: number): number => {
    const start = o * s - p0, end = Math.min(start + k, size + p1);
    return a.countIncludePad ? end - start : Math.min(end, size) - Math.max(start, 0);
  };
  for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) factor[i * ow + j] = (kh * kw) / (span(i, sh, t, b, kh, h) * span(j, sw, l, r, kw, w));
  const mulInfo = broadcastInfo('mul', out, [oh, ow]);
  return {
    outputs: [{ shape: out, dtype: 'float32' }],
    kernel: (xs, ys) => { be.pad(xs[0] as Float32Array, padded, padInfo); be.avgPool2d(padded, ys[0], info); be.binary('mul', ys[0], factor, ys[0], mulInfo); },
    note: 'padded explicitly',
  };
}

export const MaxPool = pool('max');
export const AveragePool = pool('avg');

function globalPool(kind: 'max' | 'avg') {
  return op({
    inputs: [1, 1],
    load: (a: Attrs) => { a.only([]); return null; },
    plan(p) {
      const x = floatInput(p, 0);
      if (x.shape.length !== 4) throw new RangeError(`convkit runs 2-D pooling (rank-4 x), got x ${dims(x.shape)}`);
      const info = globalPool2dInfo(kind === 'max' ? 'globalMaxPool2d' : 'globalAvgPool2d', x.shape, {});
      const be = backend();
      return {
        outputs: [{ shape: [x.shape[0], x.shape[1], 1, 1], dtype: 'float32' }],
        kernel: kind === 'max' ? (xs, ys) => be.globalMaxPool2d(xs[0] as Float32Array, ys[0], info) : (xs, ys) => be.globalAvgPool2d(xs[0] as Float32Array, ys[0], info),
      };
    },
  });
}

export const GlobalAveragePool = globalPool('avg');
export const GlobalMaxPool = globalPool('max');
