// The spine: one interface, two implementations (ts/ and native/), mirrored file for file.
// Everything here takes raw Float32Arrays plus an info object that lib/shape has already
// validated; outputs are allocated by the caller and fully overwritten, and must not overlap an
// input (RangeError; element-wise ops may write in place).
import type { Conv2dInfo } from '../shape/conv2d-info';
import type { GlobalPool2dInfo, Pool2dInfo } from '../shape/pool2d-info';
import type { GemmInfo, MatmulInfo } from '../shape/gemm-info';
import type { BatchNorm2dInfo } from '../shape/batch-norm-info';
import type { PadInfo, StridedCopyInfo } from '../shape/copy-info';
import type { Upsample2dInfo } from '../shape/upsample2d-info';
import type { BroadcastInfo } from '../shape/broadcast-info';

/** A backend's name: `'native'` (the C++ SIMD addon) or `'ts'` (the pure-TypeScript twin). */
export type BackendName = 'native' | 'ts';

/** The largest K of qgemm: its int32 sums of K products of 8-bit values fit (native/include/convkit/qgemm.h). */
export const QGEMM_MAX_K = 65536;

/**
 * The element-wise unary ops a backend implements (activations and arithmetic). clamp takes
 * params [min, max], leakyRelu [slope]; the others none.
 */
export type ActivationKind = 'relu' | 'sigmoid' | 'tanh' | 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'clamp'
  | 'leakyRelu' | 'relu6' | 'silu' | 'gelu' | 'hardSigmoid' | 'hardSwish';
/** Every {@link ActivationKind}, in the native enum's order (native/include/convkit/activation.h). */
export const ACTIVATION_KINDS: readonly ActivationKind[] = ['relu', 'sigmoid', 'tanh', 'neg', 'exp', 'log', 'sqrt', 'abs', 'clamp',
  'leakyRelu', 'relu6', 'silu', 'gelu', 'hardSigmoid', 'hardSwish'];
/** The binary element-wise ops (NumPy broadcasting); maximum and minimum propagate NaN. */
export type BinaryKind = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';
/** Every {@link BinaryKind}, in the native enum's order (native/include/convkit/elementwise.h). */
export const BINARY_KINDS: readonly BinaryKind[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'];
/** The reductions along one axis; max and min propagate NaN. */
export type ReduceKind = 'sum' | 'mean' | 'max' | 'min';
/** Every {@link ReduceKind}, in the native enum's order (native/include/convkit/reduce.h). */
export const REDUCE_KINDS: readonly ReduceKind[] = ['sum', 'mean', 'max', 'min'];

/**
 * Convolution weights prepacked once by {@link Backend.conv2dPrepack} for one Conv2dInfo's
 * geometry (shapes, layout, groups, batch: bias and activation do not matter), for many
 * {@link Backend.conv2dPacked} calls. It refers to the caller's w (not a copy), which must keep
 * the values it was packed from while it is in use; `data` holds the panels the backend's
 * kernel reads for those shapes under the running ISA (native: the 1x1 GEMM's), empty where it
 * has none (ts always).
 */
export interface PackedConv2dWeights {
  /** The backend that packed it; only that one takes it. */
  readonly backend: BackendName;
  /** The geometry it was packed for (`conv2dPackKey`). */
  readonly key: string;
  /** The weights it was packed from (the caller's array). */
  readonly w: Float32Array;
  /** The packed panels, in the backend's own layout; empty when there are none. */
  readonly data: Float32Array;
  /** The arithmetic it is packed for: conv2dPacked runs conv2d for 'fp32', conv2dBf16 for 'bf16', conv2dInt8 for 'int8'. */
  readonly precision: 'fp32' | 'bf16' | 'int8';
}

/** The geometry a {@link PackedConv2dWeights} is packed for, as a string: what must match. */
export function conv2dPackKey(i: Conv2dInfo): string {
  return [i.batch, i.inChannels, i.inHeight, i.inWidth, i.outChannels, i.kernelH, i.kernelW, i.strideH, i.strideW,
    i.padTop, i.padBottom, i.padLeft, i.padRight, i.dilationH, i.dilationW, i.groups, i.layout].join(',');
}

/**
 * The kernels one implementation provides ({@link backends}.native and {@link backends}.ts). The
 * ops validate everything first; a backend takes raw Float32Arrays plus a validated info object,
 * writes every element of its output, and needs outputs that do not overlap an input. Users call
 * the ops, not these; they are public for benchmarks and for comparing the two backends.
 */
export interface Backend {
  /** Which implementation this is. */
  readonly name: BackendName;

  /**
   * A Float32Array of n elements for an op's output, which this backend's kernels overwrite
   * completely (output.ts): uninitialized on native, zero-filled on ts.
   */
  output(n: number): Float32Array;

  // conv2d.ts
  /**
   * conv2d into y (see {@link Conv2dInfo}); b is `[Cout]` or null; r (y's size, or null /
   * absent) is the residual: y = act(conv + b + r). y may not overlap r (not even exactly:
   * some paths write y before they read r).
   */
  conv2d(x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, info: Conv2dInfo, r?: Float32Array | null): void;
  /**
   * conv2d on x and w rounded to bfloat16, products summed in fp32 (the epilogue in fp32):
   * the bf16 GEMM where the CPU has it (groups 1), else the fp32 conv of the rounded operands.
   */
  conv2dBf16(x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, info: Conv2dInfo, r?: Float32Array | null): void;
  /**
   * conv2d on int8 operands quantized as qgemm does (x with one scale, each output channel's
   * filter with its own; native/include/convkit/conv2d.h has the exact arithmetic, which both
   * backends follow), products summed exactly, then the fp32 epilogue (bias, residual,
   * activation). A filter of more than 65536 taps (KH * KW * Cin / groups) is refused.
   */
  conv2dInt8(x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, info: Conv2dInfo, r?: Float32Array | null): void;
  /**
   * w (`[Cout, Cin/groups, KH, KW]`, NHWC `[Cout, KH, KW, Cin/groups]`) packed once for conv2d
   * calls of info's geometry ({@link PackedConv2dWeights}); w must not change while the result is used.
   * `like`: an earlier result for the same w and precision (w unchanged since), whose panels the
   * result shares instead of packing anew where the backend's panels for info are the same
   * (native: they depend on the channels, kernel, groups, layout and the path, not on the batch
   * or the spatial size).
   */
  conv2dPrepack(w: Float32Array, info: Conv2dInfo, precision?: 'fp32' | 'bf16' | 'int8', like?: PackedConv2dWeights): PackedConv2dWeights;
  /**
   * conv2d on prepacked weights, bit for bit what conv2d gives on the w they were packed
   * from. RangeError if pw was packed by another backend or for another geometry.
   */
  conv2dPacked(x: Float32Array, pw: PackedConv2dWeights, b: Float32Array | null, y: Float32Array, info: Conv2dInfo, r?: Float32Array | null): void;
  /**
   * conv2d off the JS thread (native). It computes on the values the inputs hold at the call:
   * a caller may detach or change them right after. y = null: the backend allocates the output
   * (natively: owned memory, handed over without a copy); the promise resolves with the output.
   * r: the residual, as for conv2d; an input like x (natively copied at the call).
   */
  conv2dAsync(x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array | null, info: Conv2dInfo, r?: Float32Array | null): Promise<Float32Array>;
  /** conv2dInt8 off the JS thread (as conv2dAsync). */
  conv2dInt8Async(x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array | null, info: Conv2dInfo, r?: Float32Array | null): Promise<Float32Array>;
  /** conv2dBf16 off the JS thread (as conv2dAsync). */
  conv2dBf16Async(x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array | null, info: Conv2dInfo, r?: Float32Array | null): Promise<Float32Array>;
  /** dx from dy and w (a transposed convolution). info.hasBias/activation are ignored. */
  conv2dBackwardData(dy: Float32Array, w: Float32Array, dx: Float32Array, info: Conv2dInfo): void;
  /** dw (and db when not null) from dy and x. */
  conv2dBackwardFilter(dy: Float32Array, x: Float32Array, dw: Float32Array, db: Float32Array | null, info: Conv2dInfo): void;

  // pool2d.ts
  /** Max pooling into y. */
  maxPool2d(x: Float32Array, y: Float32Array, info: Pool2dInfo): void;
  /** Max pooling off the JS thread; y = null: the backend allocates the output. */
  maxPool2dAsync(x: Float32Array, y: Float32Array | null, info: Pool2dInfo): Promise<Float32Array>;
  /** Average pooling into y. */
  avgPool2d(x: Float32Array, y: Float32Array, info: Pool2dInfo): void;
  /** Average pooling off the JS thread; y = null: the backend allocates the output. */
  avgPool2dAsync(x: Float32Array, y: Float32Array | null, info: Pool2dInfo): Promise<Float32Array>;
  /** dx of max pooling: each dy value goes to its window's first maximum. */
  maxPool2dBackward(dy: Float32Array, x: Float32Array, dx: Float32Array, info: Pool2dInfo): void;
  /** dx of average pooling: each dy value spread over its window. */
  avgPool2dBackward(dy: Float32Array, dx: Float32Array, info: Pool2dInfo): void;
  /** Mean over each channel's plane. */
  globalAvgPool2d(x: Float32Array, y: Float32Array, info: GlobalPool2dInfo): void;
  /** Maximum over each channel's plane. */
  globalMaxPool2d(x: Float32Array, y: Float32Array, info: GlobalPool2dInfo): void;

  // upsample2d.ts
  /** Nearest or bilinear resize of x into y (PyTorch's F.interpolate; see {@link Upsample2dInfo}). */
  upsample2d(x: Float32Array, y: Float32Array, info: Upsample2dInfo): void;
  /** dx (overwritten) of upsample2d: each dy value added to the source cells it read, times their weights. */
  upsample2dBackward(dy: Float32Array, dx: Float32Array, info: Upsample2dInfo): void;

  // gemm.ts: row-major BLAS sgemm, C = alpha op(A) op(B) + beta C (info: GemmInfo); arrays may
  // be subarray views.
  /** Row-major BLAS sgemm: C = alpha op(A) op(B) + beta C. */
  sgemm(a: Float32Array, b: Float32Array, c: Float32Array, info: GemmInfo): void;
  /** sgemm off the JS thread, on the values A, B (and C, when beta != 0) hold at the call. */
  sgemmAsync(a: Float32Array, b: Float32Array, c: Float32Array, info: GemmInfo): Promise<void>;
  /**
   * sgemm on A and B rounded to bfloat16 (nearest even, denormals to zero), products summed in
   * fp32: the bf16 instructions where the CPU has them, else the rounded operands' fp32 product.
   */
  sbgemm(a: Float32Array, b: Float32Array, c: Float32Array, info: GemmInfo): void;
  /** sbgemm off the JS thread. */
  sbgemmAsync(a: Float32Array, b: Float32Array, c: Float32Array, info: GemmInfo): Promise<void>;
  /**
   * sgemm on int8 operands, quantized dynamically (native/include/convkit/qgemm.h has the exact
   * arithmetic, which both backends follow bit for bit): op(A) with one scale max|A| / 127,
   * each column j of op(B) with its own max|B[:, j]| / 127, values rounded half to even, their
   * products summed exactly, the sum times the two scales in fp32; then alpha and beta as
   * sgemm's. A NaN or infinity makes the outputs it reaches NaN. K <= 65536.
   */
  qgemm(a: Float32Array, b: Float32Array, c: Float32Array, info: GemmInfo): void;
  /** qgemm off the JS thread. */
  qgemmAsync(a: Float32Array, b: Float32Array, c: Float32Array, info: GemmInfo): Promise<void>;
  /** Batched matmul in one call (one hop off the JS thread for the whole batch). */
  matmul(a: Float32Array, b: Float32Array, y: Float32Array, info: MatmulInfo): void;
  /** Batched matmul off the JS thread; y = null: the backend allocates the output. */
  matmulAsync(a: Float32Array, b: Float32Array, y: Float32Array | null, info: MatmulInfo): Promise<Float32Array>;

  // activation.ts
  /** An element-wise activation of x into y (y may be x); params as {@link ActivationKind} says. */
  activation(kind: ActivationKind, x: Float32Array, y: Float32Array, params?: readonly number[]): void;
  /** x, y viewed as [outer, axis, inner]; y may be x. */
  softmax(x: Float32Array, y: Float32Array, outer: number, axis: number, inner: number, log: boolean): void;
  /**
   * dx from dy and the saved tensor t: sigmoid and tanh take their output y (dy*y*(1-y),
   * dy*(1-y^2)), every other kind its input x (relu: dx = dy where x > 0).
   */
  activationBackward(kind: ActivationKind, dy: Float32Array, t: Float32Array, dx: Float32Array, params?: readonly number[]): void;
  /** From the forward output y: softmax dx = y*(dy - sum(dy*y)); log-softmax dx = dy - exp(y)*sum(dy). */
  softmaxBackward(dy: Float32Array, y: Float32Array, dx: Float32Array, outer: number, axis: number, inner: number, log: boolean): void;

  // norm.ts
  /** Per-channel batch mean and biased variance of x (`[channels]` each), summed in double. */
  batchNorm2dStats(x: Float32Array, mean: Float32Array, variance: Float32Array, info: BatchNorm2dInfo): void;
  /** y = x * scale[c] + shift[c] per channel (y may be x): both normalizing forms. */
  batchNorm2dApply(x: Float32Array, scale: Float32Array, shift: Float32Array, y: Float32Array, info: BatchNorm2dInfo): void;
  /**
   * With xhat = (x - mean) * invstd and k = scale * invstd: dbias = sum dy, dweight = sum dy * xhat
   * per channel; dx = k * (dy - dbias/n - xhat * dweight/n) when training (batch statistics),
   * else k * dy.
   */
  batchNorm2dBackward(dy: Float32Array, x: Float32Array, mean: Float32Array, invstd: Float32Array, scale: Float32Array,
    dx: Float32Array, dweight: Float32Array, dbias: Float32Array, info: BatchNorm2dInfo, training: boolean): void;

  // copy.ts
  /** The strided copy {@link StridedCopyInfo} describes (transpose, slice, concat, split). y need not be written whole. */
  copyStrided(x: Float32Array, y: Float32Array, info: StridedCopyInfo): void;
  /** y, the padded x (see {@link PadInfo}). */
  pad(x: Float32Array, y: Float32Array, info: PadInfo): void;
  // elementwise.ts
  /** y = a (op) b element-wise, broadcast as info says (y may be a or b when it has info.size elements). */
  binary(kind: BinaryKind, a: Float32Array, b: Float32Array, y: Float32Array, info: BroadcastInfo): void;

  // reduce.ts
  /** x viewed as [outer, axis, inner]; y [outer, inner] = the reduction along the axis. */
  reduce(kind: ReduceKind, x: Float32Array, y: Float32Array, outer: number, axis: number, inner: number): void;
  /** x viewed as [outer, axis, inner]; y [outer, inner] = the index of the first maximum (a NaN wins). */
  argmax(x: Float32Array, y: Int32Array, outer: number, axis: number, inner: number): void;
}
