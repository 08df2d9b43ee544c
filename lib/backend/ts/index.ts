// The pure-TypeScript backend: runs everywhere, and is the reference the native one is tested against.
import { type Conv2dInfo, ySlice, ySpan } from '../../shape/conv2d-info';
import type { GlobalPool2dInfo, Pool2dInfo } from '../../shape/pool2d-info';
import type { Upsample2dInfo } from '../../shape/upsample2d-info';
import type { MatmulInfo } from '../../shape/gemm-info';
import { ACTIVATION_KINDS, type ActivationKind, type Backend, BINARY_KINDS, conv2dPackKey, QGEMM_MAX_K, REDUCE_KINDS } from '../backend';
import { checkPacked } from '../packed-weights';
import { binary } from './elementwise';
import { argmax, reduce } from './reduce';
import { activation, activationBackward, softmax, softmaxBackward } from './activation';
import { conv2d, conv2dBackwardData, conv2dBackwardFilter } from './conv2d';
import { sgemm } from './gemm';
import { bf16Round, sbgemm } from './sbgemm';
import { qgemm } from './qgemm';
import { conv2dInt8 } from './conv2d-int8';
import { output } from './output';
import { checkNoOverlap } from './overlap';
import { broadcastInfoOf, checkArray, convInfoOf, gemmArgs, globalPoolInfoOf, matmulInfoOf, poolInfoOf, upsampleInfoOf } from './info-check';
import { upsample2d, upsample2dBackward } from './upsample2d';
import { types } from 'node:util';
import { rangeError, typeError } from '../../errors';
import { float32Length, typedLength } from '../../tensor';
import { checkSgemm } from '../../shape/gemm-info';
import { batchNorm2dApply, batchNorm2dBackward, batchNorm2dStats } from './norm';
import { copyStrided, pad } from './copy';
import { batchNormInfoOf, copyInfoOf, padInfoOf } from './norm-copy-check';
import { avgPool2d, avgPool2dBackward, globalAvgPool2d, globalMaxPool2d, maxPool2d, maxPool2dBackward } from './pool2d';

/**
 * The *Async form of a synchronous kernel: it runs now, on the values the arrays hold at the
 * call (as the native backend's owned copies do: a caller may detach or change them right
 * after), and the promise settles on a later turn, so errors reject instead of throwing.
 */
function later<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => Promise<void> {
  return (...args: A) => {
    let failure: unknown = null;
    try { fn(...args); } catch (e) { failure = e ?? new Error('unknown failure'); }
    return new Promise<void>((resolve, reject) => setImmediate(() => (failure === null ? resolve() : reject(failure))));
  };
}

const sub = Float32Array.prototype.subarray;
/** The elements of a rows x cols matrix with row stride ld (what sgemm touches). */
const extent = (a: Float32Array, rows: number, cols: number, ld: number): Float32Array =>
  sub.call(a, 0, rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols);

// y: the elements y spans (a slice's over the wider tensor, Conv2dInfo.yChannels); out: the
// plain output's (the residual's, and what a slice's convolution computes before the copy).
const convSizes = (i: Conv2dInfo) => ({
  x: i.batch * i.inChannels * i.inHeight * i.inWidth, y: ySpan(i), out: i.batch * i.outChannels * i.outHeight * i.outWidth,
  w: i.outChannels * (i.inChannels / i.groups) * i.kernelH * i.kernelW,
});

/** y's slice (i.yChannels) = the plain output t ([N, OH, OW, Cout] or [N, Cout, OH, OW]): the strided copy native/src/conv2d/y-slice.cc makes. */
function copyIntoYSlice(i: Conv2dInfo, t: Float32Array, y: Float32Array): void {
  const c = i.outChannels, p = i.outHeight * i.outWidth, yc = i.yChannels!;
  const [rows, run, ld] = i.layout === 'nhwc' ? [i.batch * p, c, yc] : [i.batch, c * p, yc * p];
  copyStrided(t, y, { shape: [rows, run], xOffset: 0, xStrides: [run, 1], yOffset: 0, yStrides: [ld, 1] });
}

/** A forward conv kernel on the plain output, then copied into y's slice where info asks for one. */
function intoY(i: Conv2dInfo, y: Float32Array, conv: (plain: Float32Array, i: Conv2dInfo) => void): void {
  if (!ySlice(i)) { conv(y, i); return; }
  const t = new Float32Array(convSizes(i).out);
  conv(t, { ...i, yChannels: undefined });
  copyIntoYSlice(i, t, y);
}

/** The async forward convs: a y slice is for the sync calls (native's async call owns a copy of y, whose copy back would write the other channels). */
function asyncConvInfo(op: string, info: unknown): Conv2dInfo {
  const i = convInfoOf(op, info, true);
  if (ySlice(i)) throw rangeError(op, `info.yChannels ${i.yChannels} (y a slice of a wider tensor) is for the sync call, not the async one`);
  return i;
}
// The input (x) and output (y) lengths of the ops that map [N, C, H, W] images to [N, C, OH, OW] (pools, upsample).
interface ImageInfo { batch: number; channels: number; inHeight: number; inWidth: number; outHeight: number; outWidth: number }
const imageSizes = (i: ImageInfo) => ({ x: i.batch * i.channels * i.inHeight * i.inWidth, y: i.batch * i.channels * i.outHeight * i.outWidth });

/** A forward pool kernel behind the checks. */
function pooled(op: string, kind: 'max' | 'avg', kernel: (x: Float32Array, y: Float32Array, info: Pool2dInfo) => void) {
  return (x: Float32Array, y: Float32Array, info: Pool2dInfo): void => {
    const i = poolInfoOf(op, kind, info), n = imageSizes(i);
    checkArray(op, 'x', x, n.x); checkArray(op, 'y', y, n.y);
    checkNoOverlap(op, { y }, { x });
    kernel(x, y, i);
  };
}

/** A global pool kernel behind the checks. */
function globalPooled(op: string, kernel: (x: Float32Array, y: Float32Array, info: GlobalPool2dInfo) => void) {
  return (x: Float32Array, y: Float32Array, info: GlobalPool2dInfo): void => {
    const i = globalPoolInfoOf(op, info);
    checkArray(op, 'x', x, i.batch * i.channels * i.height * i.width); checkArray(op, 'y', y, i.batch * i.channels);
    checkNoOverlap(op, { y }, { x });
    kernel(x, y, i);
  };
}

// upsample2d (x -> y) or its backward (dy -> dx: the sizes swapped) behind its checks.
function upsampled(op: string, backward: boolean, kernel: (src: Float32Array, dst: Float32Array, info: Upsample2dInfo) => void) {
  const [src, dst] = backward ? ['dy', 'dx'] : ['x', 'y'];
  return (a: Float32Array, b: Float32Array, info: Upsample2dInfo): void => {
    const i = upsampleInfoOf(op, info), n = imageSizes(i);
    checkArray(op, src, a, backward ? n.y : n.x); checkArray(op, dst, b, backward ? n.x : n.y);
    checkNoOverlap(op, { [dst]: b }, { [src]: a });
    kernel(a, b, i);
  };
}

// Every kernel behind the checks the native glue makes (info-check.ts: the info read once and
// rebuilt by lib/shape, array types and lengths; overlap.ts: no output aliasing an input), in
// that order: the info's getters run before any array is looked at.
/** sgemm, sbgemm and qgemm: the info checked as BLAS's arguments, C apart from A and B, then the kernel. */
function gemmKernel(op: 'sgemm' | 'sbgemm' | 'qgemm', kernel: typeof sgemm): Backend['sgemm'] {
  return ((a, b, c, info) => {
    const p = checkSgemm(op, gemmArgs(op, a, b, c, info));
    const { transA: ta, transB: tb, m, n, k, lda, ldb, ldc } = p;
    if (op === 'qgemm' && k > QGEMM_MAX_K) throw rangeError(op, `k is ${k} but int8 sums take at most ${QGEMM_MAX_K}`);
    checkNoOverlap(op, { c: extent(p.c, m, n, ldc) }, {
      a: extent(p.a, ta ? k : m, ta ? m : k, lda), b: extent(p.b, tb ? n : k, tb ? k : n, ldb),
    });
    kernel(ta, tb, m, n, k, p.alpha, p.a, lda, p.b, ldb, p.beta, p.c, ldc);
  }) as Backend['sgemm'];
}

/** A forward conv's arguments checked as the native glue checks them: its info, bias and residual. */
function convForwardArgs(op: string, x: Float32Array, w: Float32Array, b: Float32Array | null | undefined, y: Float32Array,
  info: unknown, r: Float32Array | null | undefined): { i: Conv2dInfo; bias: Float32Array | null; res: Float32Array | null } {
  const i = convInfoOf(op, info, true), n = convSizes(i);
  checkArray(op, 'x', x, n.x); checkArray(op, 'w', w, n.w); checkArray(op, 'y', y, n.y);
  if (i.hasBias) checkArray(op, 'b', b, i.outChannels);
  else if (b !== null && b !== undefined) throw rangeError(op, 'b must be null when info.hasBias is false');
  const res = r === null || r === undefined ? null : r;
  if (res !== null) checkArray(op, 'residual', res, n.out);
  const bias = i.hasBias ? b ?? null : null;
  checkNoOverlap(op, { y }, { x, w, b: bias, residual: res });
  return { i, bias, res };
}

const checked = {
  conv2d: ((x, w, b, y, info, r) => {
    const { i, bias, res } = convForwardArgs('conv2d', x, w, b, y, info, r);
    intoY(i, y, (yy, ii) => conv2d(x, w, bias, yy, ii, res));
  }) as Backend['conv2d'],
  conv2dBf16: ((x, w, b, y, info, r) => {
    // The exact reference: the fp32 conv of the rounded operands (checked as conv2d checks).
    const n = convSizes(convInfoOf('conv2dBf16', info, true));
    checkArray('conv2dBf16', 'x', x, n.x); checkArray('conv2dBf16', 'w', w, n.w);
    checkNoOverlap('conv2dBf16', { y }, { x, w });
    checked.conv2d(x.subarray(0, n.x).map(bf16Round), w.subarray(0, n.w).map(bf16Round), b, y, info, r);
  }) as Backend['conv2d'],
  conv2dInt8: ((x, w, b, y, info, r) => {
    const op = 'conv2dInt8';
    const { i, bias, res } = convForwardArgs(op, x, w, b, y, info, r);
    const taps = (i.inChannels / i.groups) * i.kernelH * i.kernelW;
    if (taps > QGEMM_MAX_K) throw rangeError(op, `a filter has ${taps} taps but int8 sums take at most ${QGEMM_MAX_K}`);
    intoY(i, y, (yy, ii) => conv2dInt8(x, w, bias, yy, ii, res));
  }) as Backend['conv2d'],
  conv2dBackwardData: ((dy, w, dx, info) => {
    const op = 'conv2dBackwardData', i = convInfoOf(op, info), n = convSizes(i);
    checkArray(op, 'dy', dy, n.y); checkArray(op, 'w', w, n.w); checkArray(op, 'dx', dx, n.x);
    checkNoOverlap(op, { dx }, { dy, w });
    conv2dBackwardData(dy, w, dx, i);
  }) as Backend['conv2dBackwardData'],
  conv2dBackwardFilter: ((dy, x, dw, db, info) => {
    const op = 'conv2dBackwardFilter', i = convInfoOf(op, info), n = convSizes(i);
    checkArray(op, 'dy', dy, n.y); checkArray(op, 'x', x, n.x); checkArray(op, 'dw', dw, n.w);
    if (db !== null && db !== undefined) checkArray(op, 'db', db, i.outChannels);
    checkNoOverlap(op, { dw, db: db ?? null }, { dy, x });
    conv2dBackwardFilter(dy, x, dw, db ?? null, i);
  }) as Backend['conv2dBackwardFilter'],
  maxPool2d: pooled('maxPool2d', 'max', maxPool2d),
  avgPool2d: pooled('avgPool2d', 'avg', avgPool2d),
  maxPool2dBackward: ((dy, x, dx, info) => {
    const op = 'maxPool2dBackward', i = poolInfoOf(op, 'max', info), n = imageSizes(i);
    checkArray(op, 'dy', dy, n.y); checkArray(op, 'x', x, n.x); checkArray(op, 'dx', dx, n.x);
    checkNoOverlap(op, { dx }, { dy, x });
    maxPool2dBackward(dy, x, dx, i);
  }) as Backend['maxPool2dBackward'],
  avgPool2dBackward: ((dy, dx, info) => {
    const op = 'avgPool2dBackward', i = poolInfoOf(op, 'avg', info), n = imageSizes(i);
    checkArray(op, 'dy', dy, n.y); checkArray(op, 'dx', dx, n.x);
    checkNoOverlap(op, { dx }, { dy });
    avgPool2dBackward(dy, dx, i);
  }) as Backend['avgPool2dBackward'],
  globalAvgPool2d: globalPooled('globalAvgPool2d', globalAvgPool2d),
  globalMaxPool2d: globalPooled('globalMaxPool2d', globalMaxPool2d),
  upsample2d: upsampled('upsample2d', false, upsample2d),
  upsample2dBackward: upsampled('upsample2dBackward', true, upsample2dBackward),
  sgemm: gemmKernel('sgemm', sgemm),
  sbgemm: gemmKernel('sbgemm', sbgemm),
  qgemm: gemmKernel('qgemm', qgemm),
  matmul: ((a, b, y, info) => {
    const op = 'matmul', i = matmulInfoOf(op, info, a, b);
    const { m, n, k } = i;
    checkArray(op, 'y', y, i.aOffsets.length * m * n);
    checkNoOverlap(op, { y }, { a, b });
    for (let t = 0; t < i.aOffsets.length; t++) {
      sgemm(false, false, m, n, k, 1, sub.call(a, i.aOffsets[t]), Math.max(k, 1), sub.call(b, i.bOffsets[t]), Math.max(n, 1), 0, sub.call(y, t * m * n), Math.max(n, 1));
    }
  }) as Backend['matmul'],
  activation: ((kind, x, y, params) => {
    checkKind('activation', kind);
    const p = paramsOf(kind, kind, params);
    const n = float32Length(kind, 'x', x);
    checkArray(kind, 'y', y, n);
    checkNoOverlap(kind, { y }, { x }, true);
    activation(kind, x, y, p);
  }) as Backend['activation'],
  softmax: ((x, y, outer, axis, inner, log) => {
    const n = sizeOf('softmax', outer, axis, inner);
    checkArray('softmax', 'x', x, n); checkArray('softmax', 'y', y, n);
    checkNoOverlap('softmax', { y }, { x }, true);
    softmax(x, y, outer, axis, inner, log === true);
  }) as Backend['softmax'],
  activationBackward: ((kind, dy, t, dx, params) => {
    const op = 'activationBackward';
    checkKind(op, kind);
    const p = paramsOf(op, kind, params);
    const tn = kind === 'sigmoid' || kind === 'tanh' ? 'y' : 'x';
    const n = float32Length(op, 'dy', dy);
    checkArray(op, tn, t, n); checkArray(op, 'dx', dx, n);
    checkNoOverlap(op, { dx }, { dy, [tn]: t }, true);
    activationBackward(kind, dy, t, dx, p);
  }) as Backend['activationBackward'],
  softmaxBackward: ((dy, y, dx, outer, axis, inner, log) => {
    const op = 'softmaxBackward', n = sizeOf(op, outer, axis, inner);
    checkArray(op, 'dy', dy, n); checkArray(op, 'y', y, n); checkArray(op, 'dx', dx, n);
    checkNoOverlap(op, { dx }, { dy, y }, true);
    softmaxBackward(dy, y, dx, outer, axis, inner, log === true);
  }) as Backend['softmaxBackward'],
  batchNorm2dStats: ((x, mean, variance, info) => {
    const op = 'batchNorm2dStats', i = batchNormInfoOf(op, info), n = i.batch * i.channels * i.height * i.width;
    checkArray(op, 'x', x, n); checkArray(op, 'mean', mean, i.channels); checkArray(op, 'variance', variance, i.channels);
    checkNoOverlap(op, { mean, variance }, { x });
    batchNorm2dStats(x, mean, variance, i);
  }) as Backend['batchNorm2dStats'],
  batchNorm2dApply: ((x, scale, shift, y, info) => {
    const op = 'batchNorm2dApply', i = batchNormInfoOf(op, info), n = i.batch * i.channels * i.height * i.width;
    checkArray(op, 'x', x, n); checkArray(op, 'scale', scale, i.channels); checkArray(op, 'shift', shift, i.channels); checkArray(op, 'y', y, n);
    checkNoOverlap(op, { y }, { x, scale, shift }, true);
    batchNorm2dApply(x, scale, shift, y, i);
  }) as Backend['batchNorm2dApply'],
  batchNorm2dBackward: ((dy, x, mean, invstd, scale, dx, dweight, dbias, info, training) => {
    const op = 'batchNorm2dBackward', i = batchNormInfoOf(op, info), n = i.batch * i.channels * i.height * i.width;
    if (typeof training !== 'boolean') throw typeError(op, `training must be a boolean, got ${typeof training}`);
    checkArray(op, 'dy', dy, n); checkArray(op, 'x', x, n);
    checkArray(op, 'mean', mean, i.channels); checkArray(op, 'invstd', invstd, i.channels); checkArray(op, 'scale', scale, i.channels);
    checkArray(op, 'dx', dx, n); checkArray(op, 'dweight', dweight, i.channels); checkArray(op, 'dbias', dbias, i.channels);
    checkNoOverlap(op, { dx, dweight, dbias }, { dy, x, mean, invstd, scale });
    batchNorm2dBackward(dy, x, mean, invstd, scale, dx, dweight, dbias, i, training);
  }) as Backend['batchNorm2dBackward'],
  copyStrided: ((x, y, info) => {
    const op = 'copyStrided';
    const i = copyInfoOf(op, info, float32Length(op, 'x', x), float32Length(op, 'y', y));
    checkNoOverlap(op, { y }, { x });
    copyStrided(x, y, i);
  }) as Backend['copyStrided'],
  pad: ((x, y, info) => {
    const op = 'pad', { info: i, outShape } = padInfoOf(op, info);
    checkArray(op, 'x', x, i.inShape.reduce((a, b) => a * b, 1)); checkArray(op, 'y', y, outShape.reduce((a, b) => a * b, 1));
    checkNoOverlap(op, { y }, { x });
    pad(x, y, i);
  }) as Backend['pad'],
  binary: ((kind, a, b, y, info) => {
    if (!BINARY_KINDS.includes(kind)) throw rangeError('binary', `kind must be one of ${BINARY_KINDS.join(', ')}, got ${String(kind)}`);
    const i = broadcastInfoOf(kind, info, float32Length(kind, 'a', a), float32Length(kind, 'b', b), float32Length(kind, 'y', y));
    checkNoOverlap(kind, { y }, { a, b }, true);
    binary(kind, a, b, y, i);
  }) as Backend['binary'],
  reduce: ((kind, x, y, outer, axis, inner) => {
    if (!REDUCE_KINDS.includes(kind)) throw rangeError('reduce', `kind must be one of ${REDUCE_KINDS.join(', ')}, got ${String(kind)}`);
    const n = sizeOf(kind, outer, axis, inner);
    checkArray(kind, 'x', x, n); checkArray(kind, 'y', y, outer * inner);
    checkNoOverlap(kind, { y }, { x });
    reduce(kind, x, y, outer, axis, inner);
  }) as Backend['reduce'],
  argmax: ((x, y, outer, axis, inner) => {
    const op = 'argmax', n = sizeOf(op, outer, axis, inner);
    checkArray(op, 'x', x, n);
    if (!types.isInt32Array(y)) throw typeError(op, 'y must be an Int32Array');
    if (typedLength(y) !== outer * inner) throw rangeError(op, `y has ${typedLength(y)} elements but needs ${outer * inner}`);
    checkNoOverlap(op, { y: y as unknown as Float32Array }, { x });
    argmax(x, y, outer, axis, inner);
  }) as Backend['argmax'],
};

function checkKind(op: string, kind: unknown): asserts kind is ActivationKind {
  if (!ACTIVATION_KINDS.includes(kind as ActivationKind)) throw rangeError(op, `kind must be one of ${ACTIVATION_KINDS.join(', ')}, got ${String(kind)}`);
}

/** The params an activation needs: clamp [min, max] (not NaN; min > max gives max, as PyTorch), leakyRelu [slope] (finite). */
function paramsOf(op: string, kind: ActivationKind, params: unknown): number[] {
  const need = kind === 'clamp' ? 2 : kind === 'leakyRelu' ? 1 : 0;
  if (need === 0) return [];
  if (!Array.isArray(params) || params.length !== need || params.some((v) => typeof v !== 'number' || Number.isNaN(v))) {
    throw rangeError(op, `${kind} needs params of ${need} number${need > 1 ? 's' : ''}, got ${String(params)}`);
  }
  const p = params.slice() as number[];
  if (kind === 'leakyRelu' && !Number.isFinite(p[0])) throw rangeError(op, `leakyRelu's slope must be finite, got ${p[0]}`);
  return p;
}

function sizeOf(op: string, outer: unknown, axis: unknown, inner: unknown): number {
  const dims = [outer, axis, inner].map((d, i) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) throw rangeError(op, `${['outer', 'axis', 'inner'][i]} must be a non-negative integer, got ${String(d)}`);
    return d;
  });
  const n = dims[0] * dims[1] * dims[2];
  if (!Number.isSafeInteger(n)) throw rangeError(op, 'outer * axis * inner has more than 2^53 elements');
  return n;
}

/** The *Async form of a forward op: y = null allocates the output; resolves with it. */
function laterWithOutput<A extends unknown[], I>(fn: (...args: [...A, Float32Array, I]) => void, infoOf: (info: unknown) => I, size: (info: I) => number) {
  return (...args: [...A, Float32Array | null, I]): Promise<Float32Array> => {
    let y = args[args.length - 2] as Float32Array | null;
    let failure: unknown = null;
    try {
      const info = infoOf(args[args.length - 1]);  // checked before its sizes allocate anything
      y ??= output(size(info));
      fn(...([...args.slice(0, -2), y, info] as unknown as [...A, Float32Array, I]));
    } catch (e) { failure = e ?? new Error('unknown failure'); }
    return new Promise<Float32Array>((resolve, reject) => setImmediate(() => (failure === null ? resolve(y!) : reject(failure))));
  };
}

export const tsBackend: Backend = {
  name: 'ts',
  output,
  ...checked,
  // Prepacked weights: the ts kernels read w as it is, so there are no panels; checked like
  // native's.
  // bf16: the panels are w rounded once (what conv2dBf16 rounds per call); int8: none (w is
  // quantized per call, the same values).
  conv2dPrepack: (w, info, precision = 'fp32') => {
    const i = convInfoOf('conv2dPrepack', info);
    checkArray('conv2dPrepack', 'w', w, convSizes(i).w);
    const kind = precision === 'bf16' || precision === 'int8' ? precision : 'fp32';
    if (kind === 'int8') {
      const taps = (i.inChannels / i.groups) * i.kernelH * i.kernelW;
      if (taps > QGEMM_MAX_K) throw rangeError('conv2dPrepack', `a filter has ${taps} taps but int8 sums take at most ${QGEMM_MAX_K}`);
    }
    const data = kind === 'bf16' ? w.subarray(0, convSizes(i).w).map(bf16Round) : new Float32Array(0);
    return Object.freeze({ backend: 'ts' as const, key: conv2dPackKey(i), w, data, precision: kind });
  },
  conv2dPacked: (x, pw, b, y, info, r) => {
    checkPacked('ts', pw, info);
    if (pw.precision === 'int8') {
      checked.conv2dInt8(x, pw.w, b, y, info, r);
    } else if (pw.precision === 'bf16') {
      const n = convSizes(convInfoOf('conv2dPacked', info, true));
      checkArray('conv2dPacked', 'x', x, n.x);
      checkNoOverlap('conv2dPacked', { y }, { x });
      checked.conv2d(x.subarray(0, n.x).map(bf16Round), pw.data, b, y, info, r);
    } else {
      checked.conv2d(x, pw.w, b, y, info, r);
    }
  },
  conv2dInt8Async: (x, w, b, y, info, r) => laterWithOutput<[Float32Array, Float32Array, Float32Array | null], Conv2dInfo>(
    (xx, ww, bb, yy, ii) => checked.conv2dInt8(xx, ww, bb, yy, ii, r), (i) => asyncConvInfo('conv2dInt8', i), (i) => convSizes(i).y)(x, w, b, y, info),
  conv2dBf16Async: (x, w, b, y, info, r) => laterWithOutput<[Float32Array, Float32Array, Float32Array | null], Conv2dInfo>(
    (xx, ww, bb, yy, ii) => checked.conv2dBf16(xx, ww, bb, yy, ii, r), (i) => asyncConvInfo('conv2dBf16', i), (i) => convSizes(i).y)(x, w, b, y, info),
  // The residual follows the info: bound here, so laterWithOutput sees (..., y, info).
  conv2dAsync: (x, w, b, y, info, r) => laterWithOutput<[Float32Array, Float32Array, Float32Array | null], Conv2dInfo>(
    (xx, ww, bb, yy, ii) => checked.conv2d(xx, ww, bb, yy, ii, r), (i) => asyncConvInfo('conv2d', i), (i) => convSizes(i).y)(x, w, b, y, info),
  maxPool2dAsync: laterWithOutput<[Float32Array], Pool2dInfo>(checked.maxPool2d, (i) => poolInfoOf('maxPool2d', 'max', i), (i) => imageSizes(i).y),
  avgPool2dAsync: laterWithOutput<[Float32Array], Pool2dInfo>(checked.avgPool2d, (i) => poolInfoOf('avgPool2d', 'avg', i), (i) => imageSizes(i).y),
  sgemmAsync: later(checked.sgemm),
  sbgemmAsync: later(checked.sbgemm),
  qgemmAsync: later(checked.qgemm),
  matmulAsync: (a, b, y, info) => laterWithOutput<[Float32Array, Float32Array], MatmulInfo>(checked.matmul,
    (i) => matmulInfoOf('matmul', i, a, b),
    (i) => i.aOffsets.length * i.m * i.n)(a, b, y, info),
};
