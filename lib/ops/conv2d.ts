// conv2d, conv2dAsync, conv2dBackward: check once, build the info, call the backend.
import { QGEMM_MAX_K } from '../backend/backend';
import { backend } from '../backend/select';
import { rangeError, shapeStr } from '../errors';
import { CONV2D_KEYS, type Conv2dInfo, conv2dInfo, conv2dOutputShapeOf, type Conv2dShapeOptions } from '../shape/conv2d-info';
import { checkTensor, Tensor, trustedTensor } from '../tensor';
import { checkOneOf, checkOptions } from '../check';
import { allocate } from '../alloc';
import { needsGrad, record } from '../autograd/record';
import { hardSwish, silu } from './activation';
import { unaryBackward } from './arith';
import type { ActivationKind, PackedConv2dWeights } from '../backend/backend';
import type { Precision, ProductPrecision } from './gemm';

/**
 * Options of {@link conv2d}, {@link conv2dAsync} and {@link conv2dBackward}: the geometry
 * (stride, padding, dilation, groups, layout), the bias and the fused epilogue
 * `y = activation(conv(x, w) + bias + residual)`, computed in one pass over the output. Output size
 * per spatial dimension: `floor((in + padBefore + padAfter - dilation*(k-1) - 1) / stride) + 1`,
 * the textbook `(W - F + 2P)/S + 1` with dilation 1; a size below 1 is a RangeError.
 */
export interface Conv2dOptions extends Conv2dShapeOptions {
  /** Added to every output pixel of each output channel: `[Cout]`. Default: none. */
  bias?: Tensor | null;
  /**
   * Added to the output after the bias and before the activation (a ResNet shortcut), fused
   * into the convolution's epilogue: exactly the output's shape. Default: none. It is an
   * input: the result never shares its memory. conv2dBackward ignores it.
   */
  residual?: Tensor | null;
  /**
   * `'fp32'` (default) or `'bf16'`: x and w rounded to bfloat16, products summed in fp32, bias,
   * residual and activation in fp32 (see {@link Precision}; grouped and depthwise convolutions
   * compute the same values at fp32 speed); or `'int8'`: dynamic quantization as
   * {@link ProductPrecision}'s, x with one scale for the whole tensor and each output channel's
   * filter with its own, products summed exactly in int32, the epilogue in fp32 (a filter of at
   * most 65536 taps). conv2dBackward ignores it; gradients flow as through the fp32 conv.
   */
  precision?: ProductPrecision;
}

/** A gradient {@link conv2dBackward} can compute: `'dx'` (input), `'dw'` (weight) or `'db'` (bias). */
export type Conv2dGrad = 'dx' | 'dw' | 'db';

// xt and wt are checkTensor's snapshots: nothing below reads the caller's objects again.
interface Prepared { info: Conv2dInfo; xt: Tensor; wt: Tensor; x4: Tensor; bias: Tensor | null; residual: Tensor | null; rank3: boolean; bf16: boolean; int8: boolean }

/** Rank 3 (no batch) becomes rank 4 with N = 1; the result is squeezed back. */
export function addBatch(op: string, name: string, t: Tensor): { t4: Tensor; rank3: boolean } {
  if (t.rank === 3) return { t4: t.reshape([1, ...t.shape]), rank3: true };
  if (t.rank !== 4) throw rangeError(op, `${name} must be rank 4 (or 3), got ${name} ${shapeStr(t.shape)}`);
  return { t4: t, rank3: false };
}

/** conv2dBackward also takes `outputs`; bias, residual and activation are accepted and ignored (forward's options). */
const BACKWARD_KEYS = [...CONV2D_KEYS, 'outputs'] as const;

function prepare(op: string, x: unknown, w: unknown, opts: unknown): Prepared {
  const xt = checkTensor(op, 'x', x);
  const wt = checkTensor(op, 'w', w);
  const o = checkOptions(op, opts, CONV2D_KEYS);
  const bias = o.bias === undefined || o.bias === null ? null : checkTensor(op, 'bias', o.bias);
  const residual = o.residual === undefined || o.residual === null ? null : checkTensor(op, 'residual', o.residual);
  const precision = checkOneOf(op, 'precision', o.precision, ['fp32', 'bf16', 'int8'] as const, 'fp32');
  const bf16 = precision === 'bf16', int8 = precision === 'int8';
  const { t4: x4, rank3 } = addBatch(op, 'x', xt);
  const info = conv2dInfo(op, x4.shape, wt.shape, o, bias ? bias.shape : null);
  if (residual) {
    const shape = conv2dOutputShapeOf(info), want = rank3 ? shape.slice(1) : shape;
    if (residual.rank !== want.length || residual.shape.some((d, i) => d !== want[i])) {
      throw rangeError(op, `residual ${shapeStr(residual.shape)} does not match the output ${shapeStr(want)} (x ${shapeStr(xt.shape)}, w ${shapeStr(wt.shape)})`);
    }
  }
  if (int8) {
    const taps = (info.inChannels / info.groups) * info.kernelH * info.kernelW;
    if (taps > QGEMM_MAX_K) throw rangeError(op, `precision 'int8' takes filters of up to ${QGEMM_MAX_K} taps, got ${taps} (x ${shapeStr(xt.shape)}, w ${shapeStr(wt.shape)})`);
  }
  return { info, xt, wt, x4, bias, residual, rank3, bf16, int8 };
}

function outputTensor(op: string, info: Conv2dInfo, rank3: boolean, xt: Tensor, wt: Tensor): Tensor {
  const shape = conv2dOutputShapeOf(info);
  const data = allocate(op, shape.reduce((a, b) => a * b, 1), () => ({ what: `the output ${shapeStr(shape)}`, context: `(x ${shapeStr(xt.shape)}, w ${shapeStr(wt.shape)})` }), (n) => backend().output(n));
  // The info's checked dimensions, whose product is data's length.
  return trustedTensor(data, Object.freeze(rank3 ? shape.slice(1) : shape));
}

/**
 * 2-D convolution layer op: the cross-correlation every deep-learning framework computes
 * (the kernel is not flipped): with groups 1, nchw,
 * `y[n, o, i, j] = b[o] + sum over c, u, v of w[o, c, u, v] * x[n, c, i*strideH + u*dilationH - padTop, j*strideW + v*dilationW - padLeft]`
 * (zeros outside x), then the optional fused activation; with groups, each output channel
 * sees only the Cin/groups input channels of its group. For the flipped-kernel convolution of
 * signal processing, see {@link filter2d}.
 *
 * @example
 * ```ts
 * const x = randn([1, 3, 32, 32]);             // [N, C, H, W]
 * const w = randn([8, 3, 5, 5]);               // [Cout, Cin, KH, KW]
 * conv2d(x, w, { padding: 2 }).shape;          // [1, 8, 32, 32]
 * ```
 * @param x - input: `[N, C, H, W]` (layout 'nchw', default) or `[N, H, W, C]` ('nhwc'); rank 3
 *   (no N) gives a rank-3 result.
 * @param w - weight: `[Cout, Cin/groups, KH, KW]` (nchw, OIHW) or `[Cout, KH, KW, Cin/groups]` (nhwc, OHWI).
 * @param opts - stride, padding, dilation, groups, bias, layout, activation, residual; see {@link Conv2dOptions}.
 * @returns `[N, Cout, OH, OW]` (nchw) or `[N, OH, OW, Cout]` (nhwc).
 * @throws TypeError for a wrong argument type; RangeError for shapes that do not fit, naming the shapes.
 */
export function conv2d(x: Tensor, w: Tensor, opts?: Conv2dOptions): Tensor {
  return conv2dWith(x, w, opts, null);
}

/**
 * conv2d (the same arguments, checks and tape) on weights the caller packed once: pack(info)
 * returns the backend's packed weights for this call's geometry, whose precision (fp32 or bf16)
 * is the one computed; opts' precision is not used (nn.Conv2d keeps bf16 ones per input shape
 * in eval mode).
 * @internal
 */
export function conv2dWithPacked(x: Tensor, w: Tensor, opts: Conv2dOptions, pack: (info: Conv2dInfo) => PackedConv2dWeights): Tensor {
  return conv2dWith(x, w, opts, pack);
}

function conv2dWith(x: Tensor, w: Tensor, opts: Conv2dOptions | undefined, pack: ((info: Conv2dInfo) => PackedConv2dWeights) | null): Tensor {
  const { info, xt, wt, x4, bias, residual, rank3, bf16, int8 } = prepare('conv2d', x, w, opts);
  if (info.activation in INPUT_GRAD && needsGrad(xt, wt, bias, residual)) return INPUT_GRAD[info.activation]!(conv2dWith(xt, wt, { ...(opts as Conv2dOptions), bias, residual, activation: 'none' }, pack));
  const y = outputTensor('conv2d', info, rank3, xt, wt);
  const [b, r] = [bias ? bias.data : null, residual ? residual.data : null];
  if (pack) backend().conv2dPacked(x4.data, pack(info), b, y.data, info, r);
  else if (bf16) backend().conv2dBf16(x4.data, wt.data, b, y.data, info, r);
  else if (int8) backend().conv2dInt8(x4.data, wt.data, b, y.data, info, r);
  else backend().conv2d(x4.data, wt.data, b, y.data, info, r);
  if (needsGrad(xt, wt, bias, residual)) recordConv2d(y, xt, wt, bias, residual, opts, info);
  return y;
}

/**
 * Puts a conv2d on the tape: y = act(conv(x, w) + b + residual). The activation's gradient is
 * read from the output (relu: y > 0; relu6: 0 < y < 6; sigmoid: y (1 - y)); silu and
 * hardSwish need their input, so conv2d runs them as a separate op when recording. Then
 * conv2dBackward gives dx, dw, db, and the residual's gradient is the pre-activation one.
 */
// The fused activations whose gradient needs their input: when recording, conv2d runs them as
// their own op after the convolution.
const INPUT_GRAD: Partial<Record<string, (z: Tensor) => Tensor>> = { silu, hardSwish };

function recordConv2d(y: Tensor, xt: Tensor, wt: Tensor, bias: Tensor | null, residual: Tensor | null, opts: unknown, info: Conv2dInfo): void {
  const { bias: _b, activation: _a, residual: _r, ...geometry } = (opts ?? {}) as Conv2dOptions;
  const x = xt.detach();
  const w = wt.detach();
  const act = info.activation;
  const out = act === 'none' ? null : y.detach();
  record('conv2d', y, [xt, wt, bias, residual], (gy, [gx, gw, gb]) => {
    // relu's and relu6's kernels give the same mask from the output as from the input; sigmoid's reads y.
    const g = out === null ? gy : unaryBackward(act as ActivationKind, gy, out);
    const outputs: Conv2dGrad[] = [];
    if (gx) outputs.push('dx');
    if (gw) outputs.push('dw');
    if (gb) outputs.push('db');
    const r = outputs.length ? conv2dBackward(g, x, w, { ...geometry, outputs }) : {};
    return [r.dx ?? null, r.dw ?? null, r.db ?? null, g];
  });
}

/**
 * {@link conv2d} off the main thread (native backend; the ts backend computes it inline).
 * It computes on the values x and w hold at the call. Same arguments and result as conv2d;
 * bad input rejects the promise instead of throwing.
 */
export async function conv2dAsync(x: Tensor, w: Tensor, opts?: Conv2dOptions): Promise<Tensor> {
  const { info, xt, wt, x4, bias, residual, rank3, bf16, int8 } = prepare('conv2dAsync', x, w, opts);
  // y = null: the backend allocates the output (natively without a copy back). The residual
  // is an input like x: read at the call (natively copied), so changing or detaching it
  // afterwards does not touch the result.
  const grad = needsGrad(xt, wt, bias, residual);  // decided at the call (noGrad around the call counts)
  if (grad && info.activation in INPUT_GRAD) return INPUT_GRAD[info.activation]!(await conv2dAsync(xt, wt, { ...(opts as Conv2dOptions), bias, residual, activation: 'none' }));
  const be = backend();
  const y = await (bf16 ? be.conv2dBf16Async(x4.data, wt.data, bias ? bias.data : null, null, info, residual ? residual.data : null)
    : int8 ? be.conv2dInt8Async(x4.data, wt.data, bias ? bias.data : null, null, info, residual ? residual.data : null)
    : be.conv2dAsync(x4.data, wt.data, bias ? bias.data : null, null, info, residual ? residual.data : null));
  const shape = conv2dOutputShapeOf(info);
  const out = new Tensor(y, rank3 ? shape.slice(1) : shape);
  if (grad) recordConv2d(out, xt, wt, bias, residual, opts, info);
  return out;
}

/**
 * db alone (a bias trained under a frozen filter): dy summed over N and positions by the
 * reduction kernel (NCHW: each plane, then the [N, C] sums over N). conv2dBackwardFilter
 * computes dw along with it, taking as long as dw alone (r3x3_56 at batch 8: 10.9 ms against
 * 10.4 for dw; 0.10 ms this way).
 */
function biasGrad(dy: Float32Array, info: Conv2dInfo): Tensor {
  const be = backend(), c = info.outChannels, positions = info.outHeight * info.outWidth;
  const db = new Tensor(be.output(c), [c]);
  if (info.layout === 'nhwc') {
    be.reduce('sum', dy, db.data, 1, info.batch * positions, c);  // [N*OH*OW, C] -> [C]
  } else {
    const planes = be.output(info.batch * c);  // [N, C, OH*OW] -> [N, C] -> [C]
    be.reduce('sum', dy, planes, info.batch * c, positions, 1);
    be.reduce('sum', planes, db.data, 1, info.batch, c);
  }
  return db;
}

/**
 * The gradients of {@link conv2d} (without its activation and residual) from the output
 * gradient dy: the gradient of a fused residual is the gradient at the activation's input,
 * and the activation's own gradient is the caller's to apply to dy first.
 * @param dy - gradient of the loss with respect to conv2d's output, its exact shape.
 * @param x - the forward input.
 * @param w - the forward weight.
 * @param opts - the forward's options (bias, residual and activation are ignored); `outputs` picks the
 *   gradients to compute: any of `'dx'`, `'dw'`, `'db'` (default all three).
 * @returns `dx` (x's shape), `dw` (w's shape), `db` (`[Cout]`), each when asked for.
 */
export function conv2dBackward(dy: Tensor, x: Tensor, w: Tensor, opts?: Conv2dOptions & {
  /** The gradients to compute. Default `['dx', 'dw', 'db']`. */
  outputs?: Conv2dGrad[];
}): {
  /** Gradient with respect to x, x's shape. */
  dx?: Tensor;
  /** Gradient with respect to w, w's shape. */
  dw?: Tensor;
  /** Gradient with respect to the bias, `[Cout]`: dy summed over N, H and W. */
  db?: Tensor;
} {
  const op = 'conv2dBackward';
  const o = checkOptions(op, opts, BACKWARD_KEYS);
  const dyt = checkTensor(op, 'dy', dy);
  const { outputs: _outputs, ...forward } = o;
  const { info, xt, wt, x4, rank3 } = prepare(op, x, w, { ...forward, bias: null, residual: null, activation: 'none' });
  const outputs = o.outputs === undefined ? ['dx', 'dw', 'db'] : o.outputs;
  if (!Array.isArray(outputs) || outputs.some((g) => g !== 'dx' && g !== 'dw' && g !== 'db')) {
    throw rangeError(op, `outputs must be an array of 'dx', 'dw', 'db', got ${JSON.stringify(outputs)}`);
  }
  const yShape = conv2dOutputShapeOf(info);
  const dyShape = rank3 ? [1, ...dyt.shape] : dyt.shape;
  if (dyShape.length !== 4 || dyShape.some((d, i) => d !== yShape[i])) {
    throw rangeError(op, `dy must have the forward output shape ${shapeStr(rank3 ? yShape.slice(1) : yShape)}, got dy ${shapeStr(dyt.shape)} (x ${shapeStr(xt.shape)}, w ${shapeStr(wt.shape)})`);
  }
  const result: { dx?: Tensor; dw?: Tensor; db?: Tensor } = {};
  const be = backend();
  if (outputs.includes('dx')) {
    const dx = new Tensor(be.output(x4.size), xt.shape);
    be.conv2dBackwardData(dyt.data, wt.data, dx.data, info);
    result.dx = dx;
  }
  const wantDw = outputs.includes('dw');
  const wantDb = outputs.includes('db');
  if (wantDb && !wantDw) {
    result.db = biasGrad(dyt.data, info);
  } else if (wantDw || wantDb) {
    const dw = new Tensor(be.output(wt.size), wt.shape);
    const db = wantDb ? new Tensor(be.output(info.outChannels), [info.outChannels]) : null;
    be.conv2dBackwardFilter(dyt.data, x4.data, dw.data, db ? db.data : null, info);
    if (wantDw) result.dw = dw;
    if (db) result.db = db;
  }
  return result;
}
