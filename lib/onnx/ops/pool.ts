// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool over NCHW.
import { backend } from '../../backend/select';
import { globalPool2dInfo, pool2dInfo } from '../../shape/pool2d-info';
import type { Attrs } from '../attrs';
import { windowAttrs, windowPads } from './conv';
import { dims, floatInput, op } from './op';

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
