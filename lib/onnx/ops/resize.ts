// Resize (opset 10+) and Upsample (before 10) over the last two axes of NCHW: the public
// upsample2d kernel when its source taps equal ONNX's for these sizes (PyTorch's nearest /
// bilinear exports: asymmetric + floor, half_pixel, pytorch_half_pixel, align_corners), else
// a TypeScript loop with ONNX's coordinate transforms and nearest rounding modes.
import { backend } from '../../backend/select';
import { linearTaps, nearestTaps } from '../../backend/ts/upsample2d';
import type { Upsample2dInfo } from '../../shape/upsample2d-info';
import type { Attrs } from '../attrs';
import { constInput, dims, floatInput, op } from './op';

const COORDS = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'] as const;
const NEAREST = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;
type Coord = typeof COORDS[number];
type NearestMode = typeof NEAREST[number];

interface ResizeAttrs { mode: 'nearest' | 'linear'; coord: Coord; nearest: NearestMode; scales: number[] | null }

const f = Math.fround;

/** Source coordinate of output index i (float32 steps as onnxruntime). */
function source(coord: Coord, i: number, scale: number, inSize: number, outSize: number): number {
  switch (coord) {
    case 'half_pixel': return f(f(f(i + 0.5) / scale) - 0.5);
    case 'pytorch_half_pixel': return outSize > 1 ? f(f(f(i + 0.5) / scale) - 0.5) : 0;
    case 'align_corners': return outSize === 1 ? 0 : f(f(i * f(inSize - 1)) / f(outSize - 1));
    case 'asymmetric': return f(i / scale);
    case 'tf_half_pixel_for_nn': return f(f(i + 0.5) / scale);
  }
}

function roundNearest(mode: NearestMode, x: number): number {
  switch (mode) {
    case 'floor': return Math.floor(x);
    case 'ceil': return Math.ceil(x);
    case 'round_prefer_floor': return x === Math.floor(x) + 0.5 ? Math.floor(x) : Math.round(x);
    case 'round_prefer_ceil': return Math.round(x);
  }
}

interface Taps { i0: Int32Array; i1: Int32Array; w0: Float32Array; w1: Float32Array }

/** ONNX's taps along one axis: nearest (w1 = 0) or linear (coordinates clamped to the input). */
function onnxTaps(a: ResizeAttrs, inSize: number, outSize: number, scale: number): Taps {
  const t: Taps = { i0: new Int32Array(outSize), i1: new Int32Array(outSize), w0: new Float32Array(outSize), w1: new Float32Array(outSize) };
  for (let i = 0; i < outSize; i++) {
    const x = source(a.coord, i, scale, inSize, outSize);
    if (a.mode === 'nearest') {
      t.i0[i] = t.i1[i] = Math.min(Math.max(roundNearest(a.nearest, x), 0), inSize - 1);
      t.w0[i] = 1;
      continue;
    }
    const c = Math.min(Math.max(x, 0), inSize - 1);
    const i0 = Math.min(Math.floor(c), inSize - 1);
    t.i0[i] = i0;
    t.i1[i] = Math.min(i0 + 1, inSize - 1);
    t.w1[i] = f(c - i0);
    t.w0[i] = f(1 - t.w1[i]);
  }
  return t;
}

/** Whether upsample2d's taps (PyTorch's) for this axis equal ONNX's. */
function sameTaps(a: ResizeAttrs, t: Taps, inSize: number, outSize: number, scale: number, given: boolean): boolean {
  if (a.mode === 'nearest') {
    const idx = nearestTaps(inSize, outSize, given ? scale : 0);
    return idx.every((v, i) => v === t.i0[i]);
  }
  if (a.coord === 'tf_half_pixel_for_nn' || a.coord === 'asymmetric') return false;
  const p = linearTaps(inSize, outSize, given ? scale : 0, a.coord === 'align_corners');
  for (let i = 0; i < outSize; i++) {
    const w1 = p.i0[i] === p.i1[i] ? 0 : p.w1[i], v1 = t.i0[i] === t.i1[i] ? 0 : t.w1[i];
    if (p.i0[i] !== t.i0[i] || Math.abs(w1 - v1) > 1e-6) return false;
  }
  return true;
}

function plan4(a: ResizeAttrs, x: { shape: number[] }, scales: number[] | null, sizes: number[] | null) {
  const [n, c, h, w] = x.shape;
  let oh: number, ow: number, sh: number, sw: number;
  if (sizes) {
    if (sizes.length !== 4 || sizes[0] !== n || sizes[1] !== c) throw new RangeError(`sizes ${dims(sizes)} must keep N and C of x ${dims(x.shape)}; convkit resizes the last two axes`);
    [oh, ow] = [sizes[2], sizes[3]];
    if (!(oh >= 1 && ow >= 1)) throw new RangeError(`sizes ${dims(sizes)} must be >= 1`);
    [sh, sw] = [oh / h, ow / w];
  } else {
    if (!scales || scales.length !== 4 || scales[0] !== 1 || scales[1] !== 1) throw new RangeError(`scales ${scales ? dims(scales) : '(none)'} must be [1, 1, sh, sw] for x ${dims(x.shape)}; convkit resizes the last two axes`);
    [sh, sw] = [scales[2], scales[3]];
    if (!(sh > 0 && sw > 0)) throw new RangeError(`scales ${dims(scales)} must be > 0`);
    [oh, ow] = [Math.floor(h * sh), Math.floor(w * sw)];
    if (oh < 1 || ow < 1) throw new RangeError(`scales ${dims(scales)} give an empty output from x ${dims(x.shape)}`);
  }
  const th = onnxTaps(a, h, oh, f(sh)), tw = onnxTaps(a, w, ow, f(sw));
  const shape = [n, c, oh, ow];
  const be = backend();
  const fast = sameTaps(a, th, h, oh, sh, !sizes) && sameTaps(a, tw, w, ow, sw, !sizes);
  if (fast) {
    const info: Upsample2dInfo = {
      batch: n, channels: c, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, scaleH: sizes ? 0 : sh, scaleW: sizes ? 0 : sw,
      mode: a.mode === 'nearest' ? 'nearest' : 'bilinear', alignCorners: a.mode === 'linear' && a.coord === 'align_corners', layout: 'nchw',
    };
    return { outputs: [{ shape, dtype: 'float32' as const }], kernel: (xs: readonly (Float32Array | Float64Array | null)[], ys: readonly Float32Array[]) => be.upsample2d(xs[0] as Float32Array, ys[0], info), note: `upsample2d ${info.mode}` };
  }
  return {
    outputs: [{ shape, dtype: 'float32' as const }],
    kernel: (xs: readonly (Float32Array | Float64Array | null)[], ys: readonly Float32Array[]) => {
      const xd = xs[0]!, y = ys[0];
      for (let p = 0; p < n * c; p++) {
        const xb = p * h * w, yb = p * oh * ow;
        for (let i = 0; i < oh; i++) {
          const r0 = xb + th.i0[i] * w, r1 = xb + th.i1[i] * w, h0 = th.w0[i], h1 = th.w1[i];
          for (let j = 0; j < ow; j++) {
            const c0 = tw.i0[j], c1 = tw.i1[j], w0 = tw.w0[j], w1 = tw.w1[j];
            y[yb + i * ow + j] = a.mode === 'nearest' ? xd[r0 + c0]
              : f(f(h0 * f(f(w0 * xd[r0 + c0]) + f(w1 * xd[r0 + c1]))) + f(h1 * f(f(w0 * xd[r1 + c0]) + f(w1 * xd[r1 + c1]))));
          }
        }
      }
    },
    note: `ts ${a.mode} ${a.coord}`,
  };
}

export const Resize = op({
  inputs: [1, 4],
  load(a: Attrs, opset: number) {
    a.only(['mode', 'coordinate_transformation_mode', 'nearest_mode', 'cubic_coeff_a', 'exclude_outside', 'extrapolation_value', 'antialias', 'keep_aspect_ratio_policy']);
    const mode = a.string('mode', ['nearest', 'linear'] as const, 'nearest');
    const coord = opset < 11 ? 'asymmetric' : a.string('coordinate_transformation_mode', COORDS, 'half_pixel');
    const nearest = a.string('nearest_mode', NEAREST, 'round_prefer_floor');
    if (a.int('exclude_outside', 0) !== 0) throw new RangeError(`onnx.load: node "${a.node.name}" (Resize) attribute "exclude_outside" is 1; convkit runs 0`);
    if (a.int('antialias', 0) !== 0) throw new RangeError(`onnx.load: node "${a.node.name}" (Resize) attribute "antialias" is 1; convkit runs 0`);
    a.string('keep_aspect_ratio_policy', ['stretch'] as const, 'stretch');
    // Opset 10: nearest rounds down (asymmetric + floor, as onnxruntime's opset-10 kernel).
    return { mode, coord, nearest: opset < 11 ? 'floor' as const : nearest, scales: null, opset10: opset < 11 } as ResizeAttrs;
  },
  plan(p) {
    const x = floatInput(p, 0);
    if (x.shape.length !== 4) throw new RangeError(`convkit resizes rank-4 x (NCHW), got x ${dims(x.shape)}`);
    const known = (i: number, what: string) => {
      const v = p.inputs[i];
      if (!v) return null;
      const d = Array.from(constInput(p, i, what));
      return d.length ? d : null;
    };
    // Opset 10: (X, scales); 11+: (X, roi, scales, sizes). roi only matters for tf_crop_and_resize.
    const scales = p.opset < 11 ? known(1, 'scales') : known(2, 'scales');
    const sizes = p.opset < 11 ? null : known(3, 'sizes');
    return plan4(p.attrs, x, scales, sizes);
  },
});

/** Upsample (opsets 7 to 9): scales as an attribute (7, 8) or an input (9); asymmetric coordinates, nearest rounds down. */
export const Upsample = op({
  inputs: [1, 2],
  load(a: Attrs) {
    a.only(['mode', 'scales']);
    const mode = a.string('mode', ['nearest', 'linear', 'bilinear'] as const, 'nearest');
    return { mode: mode === 'nearest' ? 'nearest' as const : 'linear' as const, coord: 'asymmetric' as const, nearest: 'floor' as const, scales: a.has('scales') ? a.floats('scales') : null };
  },
  plan(p) {
    const x = floatInput(p, 0);
    if (x.shape.length !== 4) throw new RangeError(`convkit resizes rank-4 x (NCHW), got x ${dims(x.shape)}`);
    const scales = p.inputs[1] ? Array.from(constInput(p, 1, 'scales')) : p.attrs.scales;
    return plan4(p.attrs, x, scales, null);
  },
});
