// The JS surface of the compiled addon (native/napi/addon.cc), derived from the Backend
// interface so the op list is written once: every sync kernel has the Backend's signature;
// every *Async one takes the same arguments and resolves with the output it allocated when
// given y = null (undefined otherwise). Info objects are lib/shape's types; the glue reads
// their fields by name, or, for sgemm, conv2d and the pools, takes them packed into a
// Float64Array as well (packed-info.ts, native/napi/info-fields.h).
import type { Backend } from '../backend';
import type { Conv2dInfo } from '../../shape/conv2d-info';

export type { ActivationKind } from '../backend';

export interface AddonInfo {
  simd: 'avx512' | 'avx2' | 'neon' | 'scalar';
  detectedSimd: 'avx512' | 'avx2' | 'neon' | 'scalar';
  /** Environment switches that were not understood (CONVKIT_ISA, CONVKIT_CONV_ALGO, ...). */
  warnings: string[];
  threads: number;
  maxThreads: number;
  openmp: boolean;
  mallocTuned: boolean;
  workspaceBytes: number;
  workspaceCap: number;
  bf16: 'avx512_bf16' | 'emulated';
  int8: 'avx512_vnni' | 'emulated';
}

/** Backend methods that are kernels (not the name or the output allocator). */
export type KernelName = Exclude<keyof Backend, 'name' | 'output' | 'conv2dPrepack' | 'conv2dPacked'>;
export type AsyncKernelName = Extract<KernelName, `${string}Async`>;
export type SyncKernelName = Exclude<KernelName, AsyncKernelName>;

type AsyncOf<K extends AsyncKernelName> = (...args: Parameters<Backend[K]>) => Promise<Float32Array | undefined>;

export type Addon = Pick<Backend, SyncKernelName> & { [K in AsyncKernelName]: AsyncOf<K> } & {
  info(): AddonInfo;
  /** Floats of the packed panels for info (conv2d_packed_size; 0 where its path has none). */
  conv2dPackedSize(info: Conv2dInfo): number;
  /** packed (conv2dPackedSize floats) = the panels of w for info. */
  conv2dPrepack(w: Float32Array, packed: Float32Array, info: Conv2dInfo): void;
  /** conv2dPackedSize, conv2dPrepack and conv2dPacked for conv2dBf16 (conv2d_bf16_packed_size etc.). */
  conv2dBf16PackedSize(info: Conv2dInfo): number;
  conv2dBf16Prepack(w: Float32Array, packed: Float32Array, info: Conv2dInfo): void;
  conv2dBf16Packed(x: Float32Array, w: Float32Array, packed: Float32Array, b: Float32Array | null, y: Float32Array, info: Conv2dInfo, r?: Float32Array | null): void;
  /** The same for conv2dInt8 (conv2d_int8_packed_size etc.: each filter quantized once). */
  conv2dInt8PackedSize(info: Conv2dInfo): number;
  conv2dInt8Prepack(w: Float32Array, packed: Float32Array, info: Conv2dInfo): void;
  conv2dInt8Packed(x: Float32Array, w: Float32Array, packed: Float32Array, b: Float32Array | null, y: Float32Array, info: Conv2dInfo, r?: Float32Array | null): void;
  /** conv2d on w and the panels packed from it. */
  conv2dPacked(x: Float32Array, w: Float32Array, packed: Float32Array, b: Float32Array | null, y: Float32Array, info: Conv2dInfo, r?: Float32Array | null): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** The address of buffer's first byte modulo 64 (0 for an empty or detached one): output.ts starts outputs on a 64-byte boundary. */
  byteMisalignment(buffer: ArrayBuffer): number;
  /** Test aid (native/include/convkit/last-path.h): the path the last call of an op family took, then 'none' until the next. Not exported by lib. */
  _lastPath(op: 'conv2d' | 'conv2d-dx' | 'conv2d-dw' | 'pool' | 'pool-variant'): string;
  // Async gradients the addon has beyond the Backend interface.
  conv2dBackwardDataAsync(dy: Float32Array, w: Float32Array, dx: Float32Array, info: Conv2dInfo): Promise<undefined>;
  conv2dBackwardFilterAsync(dy: Float32Array, x: Float32Array, dw: Float32Array, db: Float32Array | null, info: Conv2dInfo): Promise<undefined>;
};
