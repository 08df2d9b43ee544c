// Conv: conv2d with ONNX's attributes (pads [top, left, bottom, right], auto_pad), its bias,
// and the epilogue the fusion pass folded in (residual add, activation).
import { backend } from '../../backend/select';
import { conv2dInfo } from '../../shape/conv2d-info';
import { broadcastInfo } from '../../shape/broadcast-info';
import type { Attrs } from '../attrs';
import { floatInput, input, op, dims, type Kernel, type Planned } from './op';
import type { Data } from '../graph';
import { convRunsBf16, convRunsInt8 } from '../../ops/bf16-where-it-pays';
import type { Backend, PackedConv2dWeights } from '../../backend/backend';
import type { Conv2dInfo } from '../../shape/conv2d-info';

// A model's constant weights packed once for all its plans (one per input shape: dynamic
// batching made up to 8 of them, each holding its own copy of ResNet-18's transformed Winograd
// weights, 66 MB): each later plan offers the first packing to the backend, which shares its
// panels when they are the ones this geometry needs (conv2dPrepack's `like`). Only for graph
// constants, which nothing writes after load.
const firstPacked = new WeakMap<Float32Array, Map<string, PackedConv2dWeights>>();

function prepackConst(be: Backend, w: Float32Array, info: Conv2dInfo, precision: 'fp32' | 'bf16' | 'int8'): PackedConv2dWeights {
  let byPrecision = firstPacked.get(w);
  if (!byPrecision) firstPacked.set(w, (byPrecision = new Map()));
  const like = byPrecision.get(`${be.name} ${precision}`);
  const pw = be.conv2dPrepack(w, info, precision, like);
  if (!like && pw.data.length > 0) byPrecision.set(`${be.name} ${precision}`, pw);
  return pw;
}

/** ONNX auto_pad values. */
export const AUTO_PADS = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'] as const;
export type AutoPad = typeof AUTO_PADS[number];

/** Padding [begin, end] of one spatial axis for SAME_UPPER / SAME_LOWER (output = ceil(in / stride)). */
export function samePads(size: number, kernel: number, stride: number, dilation: number, mode: AutoPad): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max(0, (out - 1) * stride + (kernel - 1) * dilation + 1 - size);
  const small = Math.floor(total / 2);
  return mode === 'SAME_LOWER' ? [total - small, small] : [small, total - small];
}

/** [top, bottom, left, right] from ONNX pads ([top, left, bottom, right]) or auto_pad, for a 2-D window. */
export function windowPads(autoPad: AutoPad, pads: readonly number[], inH: number, inW: number,
  kernel: readonly number[], strides: readonly number[], dilations: readonly number[]): [number, number, number, number] {
  if (autoPad === 'VALID') return [0, 0, 0, 0];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const [t, b] = samePads(inH, kernel[0], strides[0], dilations[0], autoPad);
    const [l, r] = samePads(inW, kernel[1], strides[1], dilations[1], autoPad);
    return [t, b, l, r];
  }
  if (pads.length === 0) return [0, 0, 0, 0];
  return [pads[0], pads[2], pads[1], pads[3]];
}

/** The window attributes Conv, ConvTranspose and the pools share, checked for two spatial axes. */
export function windowAttrs(a: Attrs, withDilation: boolean) {
  const autoPad = a.string('auto_pad', AUTO_PADS, 'NOTSET');
  const kernel = a.ints('kernel_shape', []);
  const strides = a.ints('strides', [1, 1]);
  const dilations = withDilation ? a.ints('dilations', [1, 1]) : [1, 1];
  const pads = a.ints('pads', []);
  const two = (name: string, v: number[], min: number) => {
    if (v.length !== 2 || v.some((x) => x < min)) {
      throw new RangeError(`onnx.load: node "${a.node.name}" (${a.node.op}) attribute "${name}" is ${JSON.stringify(v)}; convkit runs 2-D windows (two values >= ${min})`);
    }
  };
  if (kernel.length) two('kernel_shape', kernel, 1);
  two('strides', strides, 1);
  two('dilations', dilations, 1);
  if (pads.length && (pads.length !== 4 || pads.some((x) => x < 0))) {
    throw new RangeError(`onnx.load: node "${a.node.name}" (${a.node.op}) attribute "pads" is ${JSON.stringify(pads)}; convkit runs 2-D windows (four values >= 0)`);
  }
  return { autoPad, kernel, strides, dilations, pads };
}

export const Conv = op({
  inputs: [2, 4],   // x, w, bias; a fused residual is appended by passes/fuse-epilogue.ts
  load(a: Attrs) {
    a.only(['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides']);
    return { ...windowAttrs(a, true), group: a.int('group', 1) };
  },
  plan(p) {
    const x = floatInput(p, 0), w = floatInput(p, 1), b = p.inputs[2] ?? null;
    if (x.shape.length !== 4 || w.shape.length !== 4) throw new RangeError(`convkit runs 2-D convolutions (rank-4 x and w), got x ${dims(x.shape)}, w ${dims(w.shape)}`);
    const a = p.attrs;
    // node.layout 'nhwc' (passes/layout.ts): x and the output are NHWC, w is OHWI.
    const nhwc = p.node.layout === 'nhwc';
    const [kh, kw, h, wd] = nhwc ? [w.shape[1], w.shape[2], x.shape[1], x.shape[2]] : [w.shape[2], w.shape[3], x.shape[2], x.shape[3]];
    const kernel = a.kernel.length ? a.kernel : [kh, kw];
    if (kernel[0] !== kh || kernel[1] !== kw) throw new RangeError(`kernel_shape ${dims(kernel)} does not match w ${dims(w.shape)}`);
    const pads = windowPads(a.autoPad, a.pads, h, wd, kernel, a.strides, a.dilations);
    const epi = p.node.epilogue;
    const info = conv2dInfo('conv2d', x.shape, w.shape, {
      stride: a.strides, dilation: a.dilations, padding: pads, groups: a.group, activation: epi ? epi.activation : 'none', layout: nhwc ? 'nhwc' : 'nchw',
    }, b ? b.shape : null);
    const out = nhwc ? [info.batch, info.outHeight, info.outWidth, info.outChannels] : [info.batch, info.outChannels, info.outHeight, info.outWidth];
    if (epi?.residual) {
      const r = input(p, 3);
      if (r.shape.join() !== out.join()) throw new RangeError(`the fused residual ${dims(r.shape)} does not match the output ${dims(out)}`);
    }
    const be = backend();
    const hasResidual = !!epi?.residual;
    // Constant weights (never changed after load) are packed once per plan where the backend
    // has panels for the path (native: the 1x1 GEMM's), instead of by every call.
    const wConst = w.data instanceof Float32Array ? w.data : null;
    // Low precision where the model asks for it and the layer takes it: bf16 where it pays
    // (convRunsBf16: 1x1, or NHWC strided, of one group); int8 for the convolutions of one group
    // on 16+ input channels (convRunsInt8: grouped and depthwise ones are a few columns per
    // GEMM). The others stay fp32. Constant weights converted or quantized once per plan.
    const low = p.precision === 'bf16' && convRunsBf16(info) ? 'bf16' : p.precision === 'int8' && convRunsInt8(info) ? 'int8' : null;
    // Each kernel is made for an info: the plain one, or one whose output is a channel slice of
    // a Concat's output (intoSlice: the planner's Concat elision, plan.ts).
    const res = (xs: readonly (Data | null)[]) => (hasResidual ? xs[3] as Float32Array : null);
    const planned = (make: (i: Conv2dInfo) => Kernel, note: string): Planned => ({
      outputs: [{ shape: out, dtype: 'float32' }],
      kernel: make(info),
      intoSlice: (channels) => make({ ...info, yChannels: channels }),
      note,
    });
    if (low !== null) {
      const lw = wConst ? prepackConst(be, wConst, info, low) : null;
      const direct = low === 'bf16' ? be.conv2dBf16 : be.conv2dInt8;
      return planned(lw
        ? (i) => (xs, ys) => be.conv2dPacked(xs[0] as Float32Array, lw, xs[2] as Float32Array | null, ys[0], i, res(xs))
        : (i) => (xs, ys) => direct.call(be, xs[0] as Float32Array, xs[1] as Float32Array, xs[2] as Float32Array | null, ys[0], i, res(xs)),
      `${kernel[0]}x${kernel[1]}${nhwc ? ' nhwc' : ''}${hasResidual ? ' +residual' : ''}${info.activation !== 'none' ? ` +${info.activation}` : ''} ${low}${lw && (low === 'int8' || lw.data.length) ? ' prepacked' : ''}`);
    }
    let pw = wConst ? prepackConst(be, wConst, info, 'fp32') : null;
    if (pw && pw.data.length === 0) pw = null;
    const note = `${kernel[0]}x${kernel[1]}${nhwc ? ' nhwc' : ''}${info.groups > 1 ? ` groups ${info.groups}` : ''}${hasResidual ? ' +residual' : ''}${info.activation !== 'none' ? ` +${info.activation}` : ''}${pw ? ' prepacked' : ''}`;
    if (pw) {
      const packed = pw;
      return planned((i) => (xs, ys) => be.conv2dPacked(xs[0] as Float32Array, packed, xs[2] as Float32Array | null, ys[0], i, res(xs)), note);
    }
    return planned((i) => (xs, ys) => be.conv2d(xs[0] as Float32Array, xs[1] as Float32Array, xs[2] as Float32Array | null, ys[0], i, res(xs)), note);
  },
});

/**
 * ConvTranspose: backend().conv2dBackwardData through the forward convolution whose input is
 * this node's output (as lib/ops/conv-transpose2d.ts), then the bias. Output size per axis:
 * stride (in - 1) + output_padding + dilation (k - 1) + 1 - pad_begin - pad_end; output_shape
 * (or auto_pad SAME_*) sets the pads from the total instead.
 */
export const ConvTranspose = op({
  inputs: [2, 3],
  load(a: Attrs) {
    a.only(['auto_pad', 'dilations', 'group', 'kernel_shape', 'output_padding', 'output_shape', 'pads', 'strides']);
    const outputPadding = a.ints('output_padding', [0, 0]);
    if (outputPadding.length !== 2 || outputPadding.some((v) => v < 0)) throw new RangeError(`onnx.load: node "${a.node.name}" (ConvTranspose) attribute "output_padding" is ${JSON.stringify(outputPadding)}; convkit runs 2-D windows (two values >= 0)`);
    const outputShape = a.has('output_shape') ? a.ints('output_shape') : null;
    return { ...windowAttrs(a, true), group: a.int('group', 1), outputPadding, outputShape };
  },
  plan(p) {
    const x = floatInput(p, 0), w = floatInput(p, 1), b = p.inputs[2] ?? null;
    if (x.shape.length !== 4 || w.shape.length !== 4) throw new RangeError(`convkit runs 2-D transposed convolutions (rank-4 x and w), got x ${dims(x.shape)}, w ${dims(w.shape)}`);
    const a = p.attrs;
    const [n, cin, h, wd] = x.shape;
    const kernel = a.kernel.length ? a.kernel : w.shape.slice(2);
    if (kernel[0] !== w.shape[2] || kernel[1] !== w.shape[3]) throw new RangeError(`kernel_shape ${dims(kernel)} does not match w ${dims(w.shape)}`);
    if (w.shape[0] !== cin) throw new RangeError(`x ${dims(x.shape)} has ${cin} channels, w ${dims(w.shape)} expects ${w.shape[0]}`);
    if (cin % a.group !== 0) throw new RangeError(`x has ${cin} channels, not divisible by group ${a.group}`);
    const cout = w.shape[1] * a.group;
    const ins = [h, wd];
    const pads = [0, 0, 0, 0];   // [top, left, bottom, right] as ONNX
    const full = (i: number) => a.strides[i] * (ins[i] - 1) + a.outputPadding[i] + (kernel[i] - 1) * a.dilations[i] + 1;
    const want = a.outputShape ? a.outputShape.slice(-2) : null;
    for (let i = 0; i < 2; i++) {
      if (want || a.autoPad === 'SAME_UPPER' || a.autoPad === 'SAME_LOWER') {
        const target = want ? want[i] : ins[i] * a.strides[i];
        const total = full(i) - target;
        if (total < 0) throw new RangeError(`output_shape ${dims(want ?? [])} is larger than the full output ${full(i)} along axis ${i + 2}`);
        const small = Math.floor(total / 2);
        [pads[i], pads[i + 2]] = a.autoPad === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
      } else if (a.autoPad === 'NOTSET' && a.pads.length) {
        pads[i] = a.pads[i];
        pads[i + 2] = a.pads[i + 2];
      }
    }
    const oh = full(0) - pads[0] - pads[2], ow = full(1) - pads[1] - pads[3];
    if (oh < 1 || ow < 1) throw new RangeError(`the output would be ${oh}x${ow}`);
    for (let i = 0; i < 2; i++) {
      if (a.outputPadding[i] >= a.strides[i]) throw new RangeError(`output_padding ${dims(a.outputPadding)} must be smaller than the strides ${dims(a.strides)}`);
    }
    const info = conv2dInfo('ConvTranspose', [n, cout, oh, ow], w.shape, {
      stride: a.strides, dilation: a.dilations, padding: [pads[0], pads[2], pads[1], pads[3]], groups: a.group,
    }, null);
    if (info.outHeight !== h || info.outWidth !== wd) throw new RangeError(`internal: the forward convolution gives ${info.outHeight}x${info.outWidth}, not ${h}x${wd}`);
    if (b && (b.shape.length !== 1 || b.shape[0] !== cout)) throw new RangeError(`B ${dims(b.shape)} must be [${cout}]`);
    const out = [n, cout, oh, ow];
    const bInfo = b ? broadcastInfo('add', out, [cout, 1, 1]) : null;
    const be = backend();
    return {
      outputs: [{ shape: out, dtype: 'float32' }],
      kernel: (xs, ys) => {
        be.conv2dBackwardData(xs[0] as Float32Array, xs[1] as Float32Array, ys[0], info);
        if (bInfo) be.binary('add', ys[0], xs[2] as Float32Array, ys[0], bInfo);
      },
      note: `${kernel[0]}x${kernel[1]} transposed`,
    };
  },
});
