// backends.ts is public: its kernels may get arrays and info objects straight from a caller,
// not from lib/shape. The native glue checks both (native/napi/check.h); so does this, so
// neither backend computes garbage from an info that disagrees with its arrays. Each info field
// is read once (a getter cannot change it between reads) and the info is rebuilt through
// lib/shape, whose rules both backends share.
import { types } from 'node:util';
import { float32Length } from '../../tensor';
import { rangeError, typeError } from '../../errors';
import { type Conv2dInfo, conv2dInfo } from '../../shape/conv2d-info';
import type { MatmulInfo } from '../../shape/gemm-info';
import type { BroadcastInfo } from '../../shape/broadcast-info';
import { type GlobalPool2dInfo, globalPool2dInfo, type Pool2dInfo, pool2dInfo } from '../../shape/pool2d-info';
import type { Upsample2dInfo } from '../../shape/upsample2d-info';

const CONV_FIELDS = ['batch', 'inChannels', 'inHeight', 'inWidth', 'outChannels', 'outHeight', 'outWidth', 'kernelH', 'kernelW',
  'strideH', 'strideW', 'padTop', 'padBottom', 'padLeft', 'padRight', 'dilationH', 'dilationW', 'groups', 'layout', 'hasBias', 'activation'] as const;
const POOL_FIELDS = ['batch', 'channels', 'inHeight', 'inWidth', 'outHeight', 'outWidth', 'kernelH', 'kernelW', 'strideH', 'strideW',
  'padTop', 'padBottom', 'padLeft', 'padRight', 'dilationH', 'dilationW', 'countIncludePad', 'layout'] as const;

function snapshot<K extends string>(op: string, info: unknown, fields: readonly K[]): Record<K, unknown> {
  if (info === null || typeof info !== 'object' || Array.isArray(info)) throw typeError(op, 'info must be an object');
  const out = Object.create(null) as Record<K, unknown>;
  for (const f of fields) out[f] = (info as Record<string, unknown>)[f];
  return out;
}

function int(op: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 2 ** 31 - 1) {
    throw rangeError(op, `info.${name} must be an integer in [${min}, ${2 ** 31 - 1}], got ${String(v)}`);
  }
  return v;
}

/**
 * The info rebuilt from its own fields by lib/shape; out sizes must agree with the formula.
 * forward: the forward ops also read yChannels (a y slice), which the backward ones ignore.
 */
export function convInfoOf(op: string, info: unknown, forward = false): Conv2dInfo {
  const s = snapshot(op, info, CONV_FIELDS);
  const yc = forward ? (info as { yChannels?: unknown }).yChannels : undefined;
  const n = int(op, 'batch', s.batch, 1), c = int(op, 'inChannels', s.inChannels, 1);
  const h = int(op, 'inHeight', s.inHeight, 1), w = int(op, 'inWidth', s.inWidth, 1);
  const co = int(op, 'outChannels', s.outChannels, 1), g = int(op, 'groups', s.groups, 1);
  const kh = int(op, 'kernelH', s.kernelH, 1), kw = int(op, 'kernelW', s.kernelW, 1);
  if (c % g !== 0) throw rangeError(op, `info.groups ${g} must divide inChannels ${c}`);
  const nhwc = s.layout === 'nhwc';
  const derived = conv2dInfo(op, nhwc ? [n, h, w, c] : [n, c, h, w], nhwc ? [co, kh, kw, c / g] : [co, c / g, kh, kw], {
    stride: [s.strideH, s.strideW], dilation: [s.dilationH, s.dilationW], groups: g, layout: s.layout,
    padding: [s.padTop, s.padBottom, s.padLeft, s.padRight], activation: s.activation,
  }, s.hasBias === true ? [co] : null);
  if (typeof s.hasBias !== 'boolean') throw rangeError(op, `info.hasBias must be a boolean, got ${String(s.hasBias)}`);
  if (derived.outHeight !== s.outHeight || derived.outWidth !== s.outWidth) {
    throw rangeError(op, `info.outHeight x outWidth is ${String(s.outHeight)}x${String(s.outWidth)} but the input, kernel, stride, padding and dilation give ${derived.outHeight}x${derived.outWidth}`);
  }
  if (yc !== undefined) {
    const v = int(op, 'yChannels', yc, 1);
    if (v < co) throw rangeError(op, `info.yChannels ${v} must be in [outChannels ${co}, ${2 ** 31 - 1}] (or absent: y is the plain output)`);
    if (n * v * derived.outHeight * derived.outWidth > 2 ** 53) throw rangeError(op, 'info: the tensor y is a slice of would have more than 2^53 elements');
    return { ...derived, yChannels: v };
  }
  return derived;
}

/** As convInfoOf; out sizes may be the floor- or the ceil-mode ones. */
export function poolInfoOf(op: string, kind: 'max' | 'avg', info: unknown): Pool2dInfo {
  const s = snapshot(op, info, POOL_FIELDS);
  const n = int(op, 'batch', s.batch, 1), c = int(op, 'channels', s.channels, 1);
  const h = int(op, 'inHeight', s.inHeight, 1), w = int(op, 'inWidth', s.inWidth, 1);
  if (typeof s.countIncludePad !== 'boolean') throw rangeError(op, `info.countIncludePad must be a boolean, got ${String(s.countIncludePad)}`);
  const opts = {
    kernel: [s.kernelH, s.kernelW], stride: [s.strideH, s.strideW], dilation: [s.dilationH, s.dilationW],
    padding: [s.padTop, s.padBottom, s.padLeft, s.padRight], countIncludePad: s.countIncludePad, layout: s.layout,
  };
  const shape = s.layout === 'nhwc' ? [n, h, w, c] : [n, c, h, w];
  const floor = pool2dInfo(op, kind, shape, { ...opts, ceilMode: false });
  const ceil = pool2dInfo(op, kind, shape, { ...opts, ceilMode: true });
  const fits = (d: Pool2dInfo) => d.outHeight === s.outHeight && d.outWidth === s.outWidth;
  if (!fits(floor) && !fits(ceil)) {
    throw rangeError(op, `info.outHeight x outWidth is ${String(s.outHeight)}x${String(s.outWidth)} but the window gives ${floor.outHeight}x${floor.outWidth} (or ${ceil.outHeight}x${ceil.outWidth} with ceilMode)`);
  }
  return { ...(fits(floor) ? floor : ceil), countIncludePad: kind === 'avg' && s.countIncludePad };
}

export function globalPoolInfoOf(op: string, info: unknown): GlobalPool2dInfo {
  const s = snapshot(op, info, ['batch', 'channels', 'height', 'width', 'layout'] as const);
  const dims = [int(op, 'batch', s.batch, 1), int(op, 'channels', s.channels, 1), int(op, 'height', s.height, 1), int(op, 'width', s.width, 1)];
  const [n, c, h, w] = dims;
  return globalPool2dInfo(op, s.layout === 'nhwc' ? [n, h, w, c] : [n, c, h, w], { layout: s.layout });
}

/** GemmInfo read once, as BLAS's 13 arguments for checkSgemm (lib/shape/gemm-info.ts). */
export function gemmArgs(op: string, a: unknown, b: unknown, c: unknown, info: unknown): unknown[] {
  const s = snapshot(op, info, ['transA', 'transB', 'm', 'n', 'k', 'alpha', 'beta', 'lda', 'ldb', 'ldc'] as const);
  return [s.transA, s.transB, s.m, s.n, s.k, s.alpha, a, s.lda, b, s.ldb, s.beta, c, s.ldc];
}

const f64Slice = Float64Array.prototype.slice;
const f64Length = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Float64Array.prototype), 'length')!.get as (this: Float64Array) => number;

/**
 * MatmulInfo read once (first: its getters may run JS), then a's and b's lengths: sizes, and
 * Float64Array offsets (copied) that keep every batch inside a and b.
 */
export function matmulInfoOf(op: string, info: unknown, a: unknown, b: unknown): MatmulInfo {
  const s = snapshot(op, info, ['m', 'n', 'k', 'aOffsets', 'bOffsets'] as const);
  const m = int(op, 'm', s.m, 0), n = int(op, 'n', s.n, 0), k = int(op, 'k', s.k, 0);
  const copy = (name: string, v: unknown): Float64Array => {
    if (!types.isFloat64Array(v)) throw typeError(op, `info.${name} must be a Float64Array of offsets`);
    return f64Slice.call(v, 0, f64Length.call(v));
  };
  const aOffsets = copy('aOffsets', s.aOffsets), bOffsets = copy('bOffsets', s.bOffsets);
  if (aOffsets.length !== bOffsets.length) throw rangeError(op, `info.aOffsets has ${aOffsets.length} batches but info.bOffsets ${bOffsets.length}`);
  const check = (name: string, offsets: Float64Array, extent: number, length: number) => offsets.forEach((o, t) => {
    if (!Number.isSafeInteger(o) || o < 0 || o + extent > length) {
      throw rangeError(op, `info.${name}[${t}] must be an integer in [0, ${length - extent}], got ${o}`);
    }
  });
  check('aOffsets', aOffsets, m * k, float32Length(op, 'a', a));
  check('bOffsets', bOffsets, k * n, float32Length(op, 'b', b));
  return { m, n, k, aOffsets, bOffsets };
}

/** A Float32Array of exactly n elements (at least n: `atLeast`). */
export function checkArray(op: string, name: string, a: unknown, n: number, atLeast = false): Float32Array {
  const len = float32Length(op, name, a);
  if (atLeast ? len < n : len !== n) throw rangeError(op, `${name} has ${len} elements but info needs ${atLeast ? 'at least ' : ''}${n}`);
  return a as Float32Array;
}

/** Upsample2dInfo read once: sizes, scales (0 or a finite positive number), mode, alignCorners, layout. */
export function upsampleInfoOf(op: string, info: unknown): Upsample2dInfo {
  const s = snapshot(op, info, ['batch', 'channels', 'inHeight', 'inWidth', 'outHeight', 'outWidth', 'scaleH', 'scaleW', 'mode', 'alignCorners', 'layout'] as const);
  const batch = int(op, 'batch', s.batch, 1), channels = int(op, 'channels', s.channels, 1);
  const inHeight = int(op, 'inHeight', s.inHeight, 1), inWidth = int(op, 'inWidth', s.inWidth, 1);
  const outHeight = int(op, 'outHeight', s.outHeight, 1), outWidth = int(op, 'outWidth', s.outWidth, 1);
  const scale = (name: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw rangeError(op, `info.${name} must be 0 or a finite positive number, got ${String(v)}`);
    return v;
  };
  const scaleH = scale('scaleH', s.scaleH), scaleW = scale('scaleW', s.scaleW);
  if (s.mode !== 'nearest' && s.mode !== 'bilinear') throw rangeError(op, `info.mode must be 'nearest' or 'bilinear', got ${String(s.mode)}`);
  if (typeof s.alignCorners !== 'boolean') throw rangeError(op, `info.alignCorners must be a boolean, got ${String(s.alignCorners)}`);
  if (s.layout !== 'nchw' && s.layout !== 'nhwc') throw rangeError(op, `info.layout must be 'nchw' or 'nhwc', got ${String(s.layout)}`);
  for (const [name, v] of [['x', inHeight * inWidth], ['y', outHeight * outWidth]] as const) {
    if (!Number.isSafeInteger(batch * channels * v)) throw rangeError(op, `${name} would have more than 2^53 elements`);
  }
  return { batch, channels, inHeight, inWidth, outHeight, outWidth, scaleH, scaleW, mode: s.mode, alignCorners: s.alignCorners, layout: s.layout };
}

/**
 * A BroadcastInfo's loop nest read once and checked against the arrays: positive dims whose
 * product is info.size (y's length), non-negative strides that keep every read inside a and b.
 */
export function broadcastInfoOf(op: string, info: unknown, aLength: number, bLength: number, yLength: number): BroadcastInfo {
  const s = snapshot(op, info, ['dims', 'aStrides', 'bStrides', 'size'] as const);
  const list = (name: string, v: unknown, min: number): number[] => {
    if (!Array.isArray(v) || v.length > 64) throw rangeError(op, `info.${name} must be an array of at most 64 integers`);
    const out: number[] = [];
    for (let i = 0; i < v.length; i++) out.push(int(op, `${name}[${i}]`, v[i], min));
    return out;
  };
  const dims = list('dims', s.dims, 1), aStrides = list('aStrides', s.aStrides, 0), bStrides = list('bStrides', s.bStrides, 0);
  if (aStrides.length !== dims.length || bStrides.length !== dims.length) throw rangeError(op, 'info.dims, aStrides and bStrides must have the same length');
  const size = int(op, 'size', s.size, 0);
  const prod = dims.reduce((p, d) => p * d, 1);
  if (dims.length > 0 ? prod !== size : size > 1) throw rangeError(op, `info.size ${size} is not the product of info.dims [${dims.join(', ')}]`);
  if (yLength !== size) throw rangeError(op, `y has ${yLength} elements but info.size is ${size}`);
  const reach = (st: number[]) => dims.reduce((p, d, k) => p + (d - 1) * st[k], 0) + 1;
  if (size > 0 && reach(aStrides) > aLength) throw rangeError(op, `a has ${aLength} elements but info reads ${reach(aStrides)}`);
  if (size > 0 && reach(bStrides) > bLength) throw rangeError(op, `b has ${bLength} elements but info reads ${reach(bStrides)}`);
  return { shape: [size], size, aSize: aLength, bSize: bLength, dims, aStrides, bStrides };
}
