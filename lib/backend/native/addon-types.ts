// The JS surface of the compiled addon (native/napi/addon.cc). Every info object is the
// TS info type itself (lib/shape/*-info.ts); the glue reads its fields by name.
import type { Conv2dInfo } from '../../shape/conv2d-info';
import type { Pool2dInfo, GlobalPool2dInfo } from '../../shape/pool2d-info';

export type ActivationKind = 'relu' | 'sigmoid' | 'tanh';

export interface AddonInfo {
  simd: 'avx512' | 'avx2' | 'neon' | 'scalar';
  detectedSimd: 'avx512' | 'avx2' | 'neon' | 'scalar';
  isaWarning?: string;
  threads: number;
  maxThreads: number;
  openmp: boolean;
  mallocTuned: boolean;
}

export interface Addon {
  info(): AddonInfo;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** Test aid (native/include/convkit/last-path.h): the path the last call of an op family took, then 'none' until the next. Not exported by lib. */
  _lastPath(op: 'conv2d' | 'pool'): string;

  // y is written in place; its length and every input length are checked in C++.
  conv2d(x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, info: Conv2dInfo): void;
  // *Async: inputs are copied before the call returns; y = null resolves with a fresh output.
  conv2dAsync(x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array | null, info: Conv2dInfo): Promise<Float32Array | undefined>;
  // Gradients (info.hasBias and info.activation are ignored): dx, dw and db are fully overwritten.
  conv2dBackwardData(dy: Float32Array, w: Float32Array, dx: Float32Array, info: Conv2dInfo): void;
  conv2dBackwardDataAsync(dy: Float32Array, w: Float32Array, dx: Float32Array, info: Conv2dInfo): Promise<void>;
  conv2dBackwardFilter(dy: Float32Array, x: Float32Array, dw: Float32Array, db: Float32Array | null, info: Conv2dInfo): void;
  conv2dBackwardFilterAsync(dy: Float32Array, x: Float32Array, dw: Float32Array, db: Float32Array | null, info: Conv2dInfo): Promise<void>;

  maxPool2d(x: Float32Array, y: Float32Array, info: Pool2dInfo): void;
  maxPool2dAsync(x: Float32Array, y: Float32Array | null, info: Pool2dInfo): Promise<Float32Array | undefined>;
  avgPool2d(x: Float32Array, y: Float32Array, info: Pool2dInfo): void;
  avgPool2dAsync(x: Float32Array, y: Float32Array | null, info: Pool2dInfo): Promise<Float32Array | undefined>;
  maxPool2dBackward(dy: Float32Array, x: Float32Array, dx: Float32Array, info: Pool2dInfo): void;
  avgPool2dBackward(dy: Float32Array, dx: Float32Array, info: Pool2dInfo): void;
  globalAvgPool2d(x: Float32Array, y: Float32Array, info: GlobalPool2dInfo): void;
  globalMaxPool2d(x: Float32Array, y: Float32Array, info: GlobalPool2dInfo): void;

  // Row-major BLAS sgemm; a, b, c may be subarray views (byteOffset honoured).
  sgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
        a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number,
        c: Float32Array, ldc: number): void;
  sgemmAsync(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
        a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number,
        c: Float32Array, ldc: number): Promise<void>;

  activation(kind: ActivationKind, x: Float32Array, y: Float32Array): void;
  softmax(x: Float32Array, y: Float32Array, outer: number, axis: number, inner: number, log: boolean): void;
  activationBackward(kind: ActivationKind, dy: Float32Array, t: Float32Array, dx: Float32Array): void;
  softmaxBackward(dy: Float32Array, y: Float32Array, dx: Float32Array, outer: number, axis: number, inner: number, log: boolean): void;
}
