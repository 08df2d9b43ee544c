// The info objects of sgemm, conv2d, the pools, batch norm and binary packed into one Float64Array for the addon,
// whose glue reads an object field by field (a V8 string and a property lookup each: gemm
// sq128 spent 1 us of its 22 on its 10 fields) and a packed array in one go
// (native/napi/info-fields.h: the tags, the field order and the string options are the same
// there). Layout: [tag, fields...], booleans as 0/1, layout and activation as their index.
//
// Each packer reads every field once into locals and only then writes its array, which is
// reused call after call: a getter on the info that calls another kernel finishes that call
// before the array is written. A field of the wrong JS type (a string for a number, an
// unknown layout) leaves the object as it is, for the glue to refuse with its message.
import type { Conv2dInfo } from '../../shape/conv2d-info';
import type { GemmInfo } from '../../shape/gemm-info';
import type { GlobalPool2dInfo, Pool2dInfo } from '../../shape/pool2d-info';
import type { BroadcastInfo } from '../../shape/broadcast-info';
import type { BatchNorm2dInfo } from '../../shape/batch-norm-info';

const GEMM_TAG = 0x5c0001;
const CONV2D_TAG = 0x5c0002;
const POOL2D_TAG = 0x5c0003;
const GLOBAL_POOL2D_TAG = 0x5c0004;
const BROADCAST_TAG = 0x5c0005;
const BATCH_NORM2D_TAG = 0x5c0006;
/** The most dimensions a packed BroadcastInfo holds (native/napi/elementwise.cc: kMaxRank). */
const MAX_RANK = 64;

/** conv2d's activations in their packed order (native/napi/conv2d.cc lists the same). */
const ACTIVATIONS = ['none', 'relu', 'relu6', 'sigmoid', 'silu', 'hardSwish'];

const gemmPacked = new Float64Array(11);
const conv2dPacked = new Float64Array(23);
const pool2dPacked = new Float64Array(19);
const globalPool2dPacked = new Float64Array(6);
const batchNorm2dPacked = new Float64Array(6);
// [tag, size, rank, dims x 64, aStrides x 64, bStrides x 64]: one size whatever the rank.
const broadcastPacked = new Float64Array(3 + 3 * MAX_RANK);
gemmPacked[0] = GEMM_TAG;
conv2dPacked[0] = CONV2D_TAG;
pool2dPacked[0] = POOL2D_TAG;
globalPool2dPacked[0] = GLOBAL_POOL2D_TAG;
batchNorm2dPacked[0] = BATCH_NORM2D_TAG;
broadcastPacked[0] = BROADCAST_TAG;

const num = (v: unknown): v is number => typeof v === 'number';
const bool = (v: unknown): v is boolean => typeof v === 'boolean';
/** 'nchw' -> 0, 'nhwc' -> 1, anything else -1. */
const layoutCode = (v: unknown): number => (v === 'nchw' ? 0 : v === 'nhwc' ? 1 : -1);

/** GemmInfo packed (see the top of this file), or the info itself when a field has the wrong type. */
export function packGemmInfo(info: GemmInfo): Float64Array | GemmInfo {
  const { transA, transB, m, n, k, alpha, beta, lda, ldb, ldc } = info;
  if (!(bool(transA) && bool(transB) && num(m) && num(n) && num(k) && num(alpha) && num(beta) && num(lda) && num(ldb) && num(ldc))) {
    return info;
  }
  const s = gemmPacked;
  s[1] = transA ? 1 : 0; s[2] = transB ? 1 : 0; s[3] = m; s[4] = n; s[5] = k;
  s[6] = alpha; s[7] = beta; s[8] = lda; s[9] = ldb; s[10] = ldc;
  return s;
}

/**
 * The window fields Conv2dInfo and Pool2dInfo start with, read once, or null when one is not a
 * number (the order of native/napi/info-fields.h's window_field).
 */
function windowOf(i: Conv2dInfo | Pool2dInfo): number[] | null {
  const w = [i.batch, i.inHeight, i.inWidth, i.outHeight, i.outWidth, i.kernelH, i.kernelW, i.strideH, i.strideW,
    i.padTop, i.padBottom, i.padLeft, i.padRight, i.dilationH, i.dilationW];
  for (let j = 0; j < w.length; j++) if (!num(w[j])) return null;
  return w;
}

/** Conv2dInfo packed (see the top of this file), or the info itself when a field has the wrong type. */
export function packConv2dInfo(info: Conv2dInfo): Float64Array | Conv2dInfo {
  const w = windowOf(info);
  const { inChannels, outChannels, groups, layout, hasBias, activation, yChannels } = info;
  const l = layoutCode(layout), a = ACTIVATIONS.indexOf(activation);
  if (w === null || !(num(inChannels) && num(outChannels) && num(groups) && bool(hasBias)) || l < 0 || a < 0) return info;
  // yChannels: absent packs as 0; anything but a number >= 1 goes as the object, for the glue's message.
  if (yChannels !== undefined && !(num(yChannels) && yChannels >= 1)) return info;
  const s = conv2dPacked;
  for (let j = 0; j < 15; j++) s[1 + j] = w[j];
  s[16] = inChannels; s[17] = outChannels; s[18] = groups; s[19] = l; s[20] = hasBias ? 1 : 0; s[21] = a;
  s[22] = yChannels ?? 0;
  return s;
}

/** Pool2dInfo packed (see the top of this file), or the info itself when a field has the wrong type. */
export function packPool2dInfo(info: Pool2dInfo): Float64Array | Pool2dInfo {
  const w = windowOf(info);
  const { channels, countIncludePad, layout } = info;
  const l = layoutCode(layout);
  if (w === null || !(num(channels) && bool(countIncludePad)) || l < 0) return info;
  const s = pool2dPacked;
  for (let j = 0; j < 15; j++) s[1 + j] = w[j];
  s[16] = channels; s[17] = countIncludePad ? 1 : 0; s[18] = l;
  return s;
}

/**
 * The fields GlobalPool2dInfo and BatchNorm2dInfo share (batch, channels, height, width, layout,
 * in that order) packed into s, or null when a field has the wrong type.
 */
function packImageDims(info: GlobalPool2dInfo | BatchNorm2dInfo, s: Float64Array): Float64Array | null {
  const { batch, channels, height, width, layout } = info;
  const l = layoutCode(layout);
  if (!(num(batch) && num(channels) && num(height) && num(width)) || l < 0) return null;
  s[1] = batch; s[2] = channels; s[3] = height; s[4] = width; s[5] = l;
  return s;
}

/** GlobalPool2dInfo packed (see the top of this file), or the info itself when a field has the wrong type. */
export function packGlobalPool2dInfo(info: GlobalPool2dInfo): Float64Array | GlobalPool2dInfo {
  return packImageDims(info, globalPool2dPacked) ?? info;
}

/** BatchNorm2dInfo packed (GlobalPool2dInfo's fields and order), or the info itself when a field has the wrong type. */
export function packBatchNorm2dInfo(info: BatchNorm2dInfo): Float64Array | BatchNorm2dInfo {
  return packImageDims(info, batchNorm2dPacked) ?? info;
}

/**
 * BroadcastInfo's loop nest packed (size, rank, then dims, aStrides and bStrides at fixed
 * places), or the info itself when a field has the wrong type or the three lists differ in
 * length or exceed MAX_RANK (the glue refuses it with its message).
 */
export function packBroadcastInfo(info: BroadcastInfo): Float64Array | BroadcastInfo {
  const { size, dims, aStrides, bStrides } = info;
  if (!num(size) || !Array.isArray(dims) || !Array.isArray(aStrides) || !Array.isArray(bStrides)) return info;
  const rank = dims.length;
  if (rank > MAX_RANK || aStrides.length !== rank || bStrides.length !== rank) return info;
  // Read every entry once, into locals, before writing the shared array.
  const d = new Array<number>(rank), sa = new Array<number>(rank), sb = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    d[i] = dims[i]; sa[i] = aStrides[i]; sb[i] = bStrides[i];
    if (!num(d[i]) || !num(sa[i]) || !num(sb[i])) return info;
  }
  const s = broadcastPacked;
  s[1] = size; s[2] = rank;
  for (let i = 0; i < rank; i++) { s[3 + i] = d[i]; s[3 + MAX_RANK + i] = sa[i]; s[3 + 2 * MAX_RANK + i] = sb[i]; }
  return s;
}
