// Conv: conv2d with ONNX's attributes (pads [top, left, bottom, right], auto_pad), its bias,
// and the epilogue the fusion pass folded in (residual add, activation).
import { backend } from '../../backend/select';
import { conv2dInfo } from '../../shape/conv2d-info';
import type { Attrs } from '../attrs';
import { floatInput, input, op, dims } from './op';

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
    return {
      outputs: [{ shape: out, dtype: 'float32' }],
      kernel: (xs, ys) => be.conv2d(xs[0] as Float32Array, xs[1] as Float32Array, xs[2] as Float32Array | null, ys[0], info, hasResidual ? xs[3] as Float32Array : null),
      note: `${kernel[0]}x${kernel[1]}${nhwc ? ' nhwc' : ''}${info.groups > 1 ? ` groups ${info.groups}` : ''}${hasResidual ? ' +residual' : ''}${info.activation !== 'none' ? ` +${info.activation}` : ''}`,
    };
  },
});
