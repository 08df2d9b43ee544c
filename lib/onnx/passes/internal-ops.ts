// The nodes the passes make that are not ONNX ops as the file has them: in the 'convkit' domain
// an Activation (a fused Sigmoid*Mul = SiLU, the Erf form of GELU, HardSigmoid*Mul = HardSwish)
// and a Transpose at a layout border; and the NHWC forms of the ONNX ops the layout pass moves
// into NHWC regions (node.layout === 'nhwc'): pools and Concat. Conv reads node.layout itself
// (ops/conv.ts); element-wise ops need no NHWC form (they read physical shapes). opDef() is how
// the planner and the worker find a node's implementation.
import { backend } from '../../backend/select';
import type { ActivationKind } from '../../backend/backend';
import { globalPool2dInfo, pool2dInfo } from '../../shape/pool2d-info';
import { stridesOf, type StridedCopyInfo } from '../../shape/copy-info';
import type { Attrs } from '../attrs';
import type { Node } from '../graph';
import { windowPads } from '../ops/conv';
import { OPS } from '../ops/index';
import { axisOf, dims, floatInput, op, type OpDef } from '../ops/op';

/** A unary activation made by a fusion: attrs kind (an ActivationKind) and params (numbers). */
const Activation = op({
  inputs: [1, 1],
  load(a: Attrs) {
    return { kind: a.node.attrs.kind as ActivationKind, params: (a.node.attrs.params as number[] | undefined) ?? undefined };
  },
  plan(p) {
    const x = floatInput(p, 0);
    const { kind, params } = p.attrs;
    const be = backend();
    return { outputs: [{ shape: x.shape, dtype: 'float32' }], kernel: (xs, ys) => be.activation(kind, xs[0] as Float32Array, ys[0], params), note: `fused ${kind}` };
  },
});

/** The copy that writes x transposed by perm (y.shape[i] = x.shape[perm[i]]). */
export function transposeCopy(shape: readonly number[], perm: readonly number[]): StridedCopyInfo {
  const xs = stridesOf(shape);
  const yShape = perm.map((p) => shape[p]);
  return { shape: yShape, xOffset: 0, xStrides: perm.map((p) => xs[p]), yOffset: 0, yStrides: stridesOf(yShape) };
}

/** Transpose at a layout border (attr perm). Moving only size-1 axes keeps the memory order: a view. */
const Transpose = op({
  inputs: [1, 1],
  load(a: Attrs) { return a.ints('perm'); },
  plan(p) {
    const x = floatInput(p, 0), perm = p.attrs;
    if (perm.length !== x.shape.length) throw new RangeError(`perm ${dims(perm)} does not fit x ${dims(x.shape)}`);
    const shape = perm.map((i) => x.shape[i]);
    const moved = perm.filter((i) => x.shape[i] !== 1);
    if (moved.every((v, i) => i === 0 || moved[i - 1] < v)) {
      return x.data ? { outputs: [{ shape, dtype: 'float32', data: x.data }] } : { outputs: [{ shape, dtype: 'float32' }], alias: true };
    }
    const info = transposeCopy(x.shape, perm);
    const be = backend();
    return { outputs: [{ shape, dtype: 'float32' }], kernel: (xs, ys) => be.copyStrided(xs[0] as Float32Array, ys[0], info), note: `layout ${dims(perm)}` };
  },
});

/** The attributes ops/pool.ts reads for MaxPool / AveragePool. */
interface PoolAttrs {
  autoPad: 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
  kernel: number[];
  strides: number[];
  dilations: number[];
  pads: number[];
  ceilMode: boolean;
  countIncludePad: boolean;
}

function nhwcPool(kind: 'max' | 'avg'): OpDef<PoolAttrs> {
  const onnx = OPS[kind === 'max' ? 'MaxPool' : 'AveragePool'] as OpDef<PoolAttrs>;
  return op({
    inputs: onnx.inputs,
    load: onnx.load,
    plan(p) {
      const x = floatInput(p, 0);
      if (x.shape.length !== 4) throw new RangeError(`convkit runs 2-D pooling (rank-4 x), got x ${dims(x.shape)}`);
      const a = p.attrs;
      const pads = windowPads(a.autoPad, a.pads, x.shape[1], x.shape[2], a.kernel, a.strides, a.dilations);
      const info = pool2dInfo(kind === 'max' ? 'maxPool2d' : 'avgPool2d', kind, x.shape, {
        kernel: a.kernel, stride: a.strides, padding: pads, ceilMode: a.ceilMode, layout: 'nhwc',
        ...(kind === 'max' ? { dilation: a.dilations } : { countIncludePad: a.countIncludePad }),
      });
      const be = backend();
      return {
        outputs: [{ shape: [info.batch, info.outHeight, info.outWidth, info.channels], dtype: 'float32' }],
        kernel: kind === 'max' ? (xs, ys) => be.maxPool2d(xs[0] as Float32Array, ys[0], info) : (xs, ys) => be.avgPool2d(xs[0] as Float32Array, ys[0], info),
        note: 'nhwc',
      };
    },
  });
}

function nhwcGlobalPool(kind: 'max' | 'avg'): OpDef<null> {
  return op({
    inputs: [1, 1],
    load: OPS[kind === 'max' ? 'GlobalMaxPool' : 'GlobalAveragePool'].load as (a: Attrs) => null,
    plan(p) {
      const x = floatInput(p, 0);
      if (x.shape.length !== 4) throw new RangeError(`convkit runs 2-D pooling (rank-4 x), got x ${dims(x.shape)}`);
      const info = globalPool2dInfo(kind === 'max' ? 'globalMaxPool2d' : 'globalAvgPool2d', x.shape, { layout: 'nhwc' });
      const be = backend();
      return {
        outputs: [{ shape: [x.shape[0], 1, 1, x.shape[3]], dtype: 'float32' }],
        kernel: kind === 'max' ? (xs, ys) => be.globalMaxPool2d(xs[0] as Float32Array, ys[0], info) : (xs, ys) => be.globalAvgPool2d(xs[0] as Float32Array, ys[0], info),
        note: 'nhwc',
      };
    },
  });
}

/** Concat of NHWC values along the channels (the ONNX axis is 1; here the last): one strided copy per input. */
const NhwcConcat = op({
  inputs: [1, 1 << 20],
  load: OPS.Concat.load as (a: Attrs) => number,
  plan(p) {
    const xs = p.inputs.map((_, i) => floatInput(p, i));
    if (axisOf(p.attrs, 4) !== 1) throw new RangeError(`an NHWC Concat runs on the channel axis, got axis ${p.attrs}`);
    for (const x of xs) {
      if (x.shape.length !== 4 || x.shape.some((d, i) => i !== 3 && d !== xs[0].shape[i])) throw new RangeError(`inputs ${xs.map((v) => dims(v.shape)).join(', ')} differ outside the channels`);
    }
    const shape = [...xs[0].shape.slice(0, 3), xs.reduce((s, x) => s + x.shape[3], 0)];
    const yStrides = stridesOf(shape);
    let off = 0;
    const infos = xs.map((x) => {
      const info: StridedCopyInfo = { shape: x.shape, xOffset: 0, xStrides: stridesOf(x.shape), yOffset: off, yStrides };
      off += x.shape[3];
      return info;
    });
    const be = backend();
    return {
      outputs: [{ shape, dtype: 'float32' }],
      kernel: (ins, ys) => { for (let k = 0; k < infos.length; k++) be.copyStrided(ins[k] as Float32Array, ys[0], infos[k]); },
      note: 'nhwc',
    };
  },
});

/** Ops in the 'convkit' domain, made only by the passes. */
export const INTERNAL_OPS: Record<string, OpDef<any>> = { Activation, Transpose };

/** NHWC forms of ONNX ops (node.layout === 'nhwc'); ops not here read node.layout themselves (Conv) or need none. */
export const NHWC_OPS: Record<string, OpDef<any>> = {
  MaxPool: nhwcPool('max'), AveragePool: nhwcPool('avg'),
  GlobalAveragePool: nhwcGlobalPool('avg'), GlobalMaxPool: nhwcGlobalPool('max'),
  Concat: NhwcConcat,
};

/** The implementation of a node: an internal op, an NHWC form, or the ONNX op. */
export function opDef(node: Node): OpDef<any> {
  if (node.domain === 'convkit') return INTERNAL_OPS[node.op];
  if (node.layout === 'nhwc' && NHWC_OPS[node.op]) return NHWC_OPS[node.op];
  return OPS[node.op];
}
