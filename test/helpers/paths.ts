// Which native path ran (the addon's test aid _lastPath, native/include/convkit/last-path.h),
// and which one the drivers' documented rules say should run for a shape at an ISA level
// (native/src/conv2d/conv2d.cc, conv2d-winograd.cc use_winograd, pool2d/pool2d.cc). A test
// asserts both agree, so a shape meant for Winograd that silently runs implicit GEMM, or a
// CONVKIT_ISA level that is ignored, fails.
import { loadAddon } from '../../lib/backend/native/addon';
import { info as ckInfo, type Conv2dInfo } from '../../lib/index';
import type { Pool2dInfo } from '../../lib/shape/pool2d-info';

export type ConvPath = 'ref' | 'winograd' | 'direct' | 'igemm' | 'pointwise' | 'depthwise' | 'none';
export type PoolOp = 'max' | 'avg' | 'maxBackward' | 'avgBackward';

/** The path the last native call of the family took; reading it resets it to 'none'. */
export function lastPath(family: 'conv2d' | 'conv2d-dx' | 'conv2d-dw' | 'pool' | 'pool-variant'): string {
  const a = loadAddon().addon;
  if (!a) throw new Error('lastPath: the native addon is not loaded');
  return a._lastPath(family);
}

/** The ISA level native runs at: CONVKIT_ISA when set (asserted elsewhere), else what info() says. */
export function simdLevel(): string {
  return ckInfo().native.simd ?? 'scalar';
}

// padded-input.cc padded_copy_is_lean: the padded plane at most 4x the real data + 64 Ki.
function paddedCopyIsLean(i: Conv2dInfo): boolean {
  const hp = i.padTop + i.inHeight + i.padBottom;
  const wp = i.padLeft + i.inWidth + i.padRight;
  const rowlen = wp + i.strideW - 1;
  const plane = hp * Math.max(rowlen, wp);
  if (!Number.isSafeInteger(plane)) return false;
  return plane <= 4 * (i.inHeight * i.inWidth + i.outHeight * i.outWidth) + 65536;
}

/** conv2d.cc conv2d(): the forward path for this shape at ISA level simd. */
export function expectedConvPath(i: Conv2dInfo, simd = simdLevel()): ConvPath {
  if (!paddedCopyIsLean(i)) return 'ref';
  const depthwise = i.groups === i.inChannels && i.inChannels > 1;
  const pointwise = i.kernelH === 1 && i.kernelW === 1 && i.strideH === 1 && i.strideW === 1 &&
    i.padTop === 0 && i.padBottom === 0 && i.padLeft === 0 && i.padRight === 0;
  const avx512 = simd === 'avx512';
  const winogradShape = i.kernelH === 3 && i.kernelW === 3 && i.strideH === 1 && i.strideW === 1 &&
    i.dilationH === 1 && i.dilationW === 1 && i.groups === 1 && i.outHeight >= 1 && i.outWidth >= 1 &&
    i.batch >= 1 && i.inChannels >= 1 && i.outChannels >= 1;
  if (!depthwise && winogradShape) {
    const algo = process.env.CONVKIT_CONV_ALGO;
    const tiles = i.batch * Math.ceil(i.outHeight / 2) * Math.ceil(i.outWidth / 2);
    if (algo === 'winograd') return 'winograd';
    // winograd-config.cc: preferred where the transforms are vectorized (AVX-512, AVX2).
    const vectorTransforms = avx512 || simd === 'avx2';
    if (algo !== 'igemm' && vectorTransforms && Math.min(i.inChannels, i.outChannels) >= 24 && tiles >= 16) return 'winograd';
  }
  if (depthwise) return 'depthwise';
  const cinG = i.inChannels / i.groups;
  // conv2d-config.cc: the direct small-Cin kernel exists at AVX-512 and AVX2.
  if ((avx512 || simd === 'avx2') && !pointwise && cinG <= 16 && cinG * i.kernelH * i.kernelW <= 1024) return 'direct';
  // An unpadded strided 1x1 runs the 1x1 GEMM on its gathered positions.
  const stridedPointwise = i.kernelH === 1 && i.kernelW === 1 && i.padTop === 0 && i.padBottom === 0 &&
    i.padLeft === 0 && i.padRight === 0;
  return pointwise || stridedPointwise ? 'pointwise' : 'igemm';
}

// pool2d.cc compact_geometry: windows, padding and stride within 4x the input + 64.
function poolAxisCompact(inSize: number, k: number, s: number, d: number, pb: number, pa: number): boolean {
  const limit = 4 * inSize + 64;
  return (k - 1) * d + 1 <= limit && pb <= limit && pa <= limit && s <= limit;
}

/** pool2d.cc max_pool2d / avg_pool2d / their backward: the kernel kind for this window. */
export function expectedPoolPath(op: PoolOp, i: Pool2dInfo, simd = simdLevel()): string {
  const compact = poolAxisCompact(i.inHeight, i.kernelH, i.strideH, i.dilationH, i.padTop, i.padBottom) &&
    poolAxisCompact(i.inWidth, i.kernelW, i.strideW, i.dilationW, i.padLeft, i.padRight);
  if (!compact) return 'clamped';
  const avx512 = simd === 'avx512';
  if (op === 'maxBackward' && avx512) {
    const tiles2x2 = i.kernelH === 2 && i.kernelW === 2 && i.strideH === 2 && i.strideW === 2 && i.dilationH === 1 &&
      i.dilationW === 1 && i.padTop === 0 && i.padLeft === 0 && i.outHeight > 0 && i.outWidth > 0;
    if (tiles2x2) return `max-backward-2x2s2-${i.layout}-avx512`;
    const supported = i.kernelH * i.kernelW <= 64 && i.strideW <= 16;
    return supported ? `${i.layout}-avx512` : i.layout;
  }
  return avx512 ? `${i.layout}-avx512` : i.layout;
}

/** Global average / max pooling (max has no AVX-512 kernel). */
export function expectedGlobalPoolPath(op: 'globalAvgPool2d' | 'globalMaxPool2d', layout: string, simd = simdLevel()): string {
  return op === 'globalAvgPool2d' && simd === 'avx512' ? `global-${layout}-avx512` : `global-${layout}`;
}

/** Every conv path the drivers have at this ISA level ('ref' aside: absurd geometry only). */
export function convPathsAt(simd = simdLevel()): ConvPath[] {
  if (simd === 'avx512') return ['winograd', 'direct', 'igemm', 'pointwise', 'depthwise'];
  return simd === 'avx2' ? ['winograd', 'direct', 'igemm', 'pointwise', 'depthwise'] : ['igemm', 'pointwise', 'depthwise'];
}
