// Which backend the ops use: native when the addon loads, else ts. Also the runtime info.
import * as os from 'node:os';
import { invalidType, rangeError } from '../errors';
import type { Backend, BackendName } from './backend';
import { loadAddon } from './native/addon';
import { makeNativeBackend } from './native/index';
import { tsBackend } from './ts/index';

const loaded = loadAddon();

// Environment switches the addon did not understand (CONVKIT_ISA=avx1024,
// CONVKIT_CONV_ALGO=fast, ...) are ignored; say so once per process, at load.
if (loaded.addon) {
  for (const w of loaded.addon.info().warnings) process.emitWarning(w, { code: 'CONVKIT_ENV' });
}

/** A stand-in whose every kernel throws the load error, so `backends.native` always exists. */
function unavailable(reason: string): Backend {
  const fail = (): never => { throw new Error(`convkit: the native backend is unavailable: ${reason}`); };
  return new Proxy({ name: 'native' } as Backend, {
    get: (target, prop) => (prop === 'name' ? target.name : fail),
  });
}

/**
 * The two implementations: `native` (the C++ addon; when it did not load, every kernel throws
 * the load error) and `ts` (pure TypeScript, always available, much slower).
 */
export const backends: {
  /** The C++ SIMD addon; when it did not load, each kernel throws the load error. */
  readonly native: Backend;
  /** The pure-TypeScript twin: always available, much slower. */
  readonly ts: Backend;
} = Object.freeze({
  native: loaded.addon ? makeNativeBackend(loaded.addon) : unavailable(loaded.error ?? 'unknown error'),
  ts: tsBackend,
});

let current: Backend = loaded.addon && process.env.CONVKIT_BACKEND !== 'ts' ? backends.native : tsBackend;
let tsThreads = 1;

// Without the addon every op runs on the ts backend, two to three orders of magnitude slower:
// say so once, on the first op, unless the caller chose ts (setBackend('ts'),
// CONVKIT_BACKEND=ts, CONVKIT_DISABLE_NATIVE=1) or silenced it (CONVKIT_QUIET=1).
let fallbackNoticeDue = !loaded.addon && process.env.CONVKIT_BACKEND !== 'ts' &&
  process.env.CONVKIT_DISABLE_NATIVE !== '1' && process.env.CONVKIT_QUIET !== '1';

export function backend(): Backend {
  if (fallbackNoticeDue) {
    fallbackNoticeDue = false;
    process.stderr.write(`convkit: running on the TypeScript backend (much slower): ${loaded.error ?? 'no native addon'} (CONVKIT_QUIET=1 or setBackend('ts') silences this)\n`);
  }
  return current;
}

/** The backend the ops use now: `'native'` when the addon loaded (unless CONVKIT_BACKEND=ts), else `'ts'`. */
export function getBackend(): BackendName {
  return current.name;
}

/**
 * Chooses the backend every op uses from now on. Choosing `'ts'` also silences the
 * "running on the TypeScript backend" notice.
 * @param name - `'native'` or `'ts'`.
 * @throws Error for `'native'` when the addon could not load, saying why; RangeError for another name.
 */
export function setBackend(name: BackendName): void {
  if (name === 'ts') {
    current = tsBackend;
    fallbackNoticeDue = false;
  }
  else if (name === 'native') {
    if (!loaded.addon) throw new Error(`setBackend: the native backend is unavailable: ${loaded.error}`);
    current = backends.native;
  } else throw rangeError('setBackend', `backend must be 'native' or 'ts', got ${JSON.stringify(name)}`);
}

/**
 * Sets the number of threads the native kernels use (the ts backend runs on the JS thread
 * and only records it).
 * @param n - an integer >= 1, at most 4x the hardware threads this process may use ({@link NativeInfo.maxThreads}).
 */
export function setNumThreads(n: number): void {
  if (typeof n !== 'number') throw invalidType('setNumThreads', 'n', 'an integer >= 1', n);
  if (!Number.isSafeInteger(n) || n < 1) throw rangeError('setNumThreads', `n must be an integer >= 1, got ${n}`);
  // The native pool caps it (native/src/parallel: 4x the hardware threads) and says so.
  const max = Math.max(4, 4 * os.availableParallelism());
  if (!loaded.addon && n > max) throw rangeError('setNumThreads', `n must be at most ${max} (4x the hardware threads this process may use), got ${n}`);
  if (loaded.addon) loaded.addon.setNumThreads(n);
  else tsThreads = n;
}

/** The number of threads the native kernels use (default: the hardware threads this process may use). */
export function getNumThreads(): number {
  return loaded.addon ? loaded.addon.getNumThreads() : tsThreads;
}

/** What {@link info} says about the native addon. */
export interface NativeInfo {
  /** Whether the native addon loaded. */
  loaded: boolean;
  /** Where the addon came from: the binary shipped in the package, or one built from source (or CONVKIT_ADDON_PATH's). */
  source?: 'prebuilt' | 'built' | 'path';
  /** The .node file loaded (or the one that failed to load). */
  path?: string;
  /** Why the addon did not load, and the command that fixes it; also a CONVKIT_ISA warning when loaded. */
  error?: string;
  /** The SIMD level the kernels use (`'scalar'` when the addon did not load). */
  simd: 'avx512' | 'avx2' | 'neon' | 'scalar';
  /** The best level this CPU supports (simd may be lower through CONVKIT_ISA). */
  detectedSimd?: 'avx512' | 'avx2' | 'neon' | 'scalar';
  /** Threads the kernels use now ({@link getNumThreads}). */
  threads: number;
  /** The most setNumThreads accepts: 4x the hardware threads this process may use. */
  maxThreads?: number;
  /** Whether the addon was built with OpenMP. */
  openmp: boolean;
  /** Environment switches that were ignored, and why (also printed once, as process warnings). */
  warnings?: string[];
  /** glibc keeps freed outputs mapped for reuse (native/napi/allocator.cc; CONVKIT_MALLOC_TUNING=0 turns it off). */
  mallocTuned?: boolean;
  /**
   * Bytes the native kernels' scratch buffers (padded copies, packed panels, im2col) hold now,
   * all threads together. Each thread keeps up to `workspaceCap` bytes between calls for reuse
   * and gives back what is above it when a call returns (CONVKIT_WORKSPACE_CAP overrides).
   */
  workspaceBytes?: number;
  /** The per-thread cap on workspaceBytes kept between calls (CONVKIT_WORKSPACE_CAP, bytes). */
  workspaceCap?: number;
  /**
   * How `precision: 'bf16'` runs: `'avx512_bf16'` on the CPU's bf16 instructions (about twice
   * the fp32 multiply-adds per instruction), `'emulated'` as the fp32 product of the operands
   * rounded to bf16 (the same results up to the order of the sums, fp32 speed; also under
   * CONVKIT_BF16=emulate).
   */
  bf16?: 'avx512_bf16' | 'emulated';
  /**
   * How `precision: 'int8'` runs: `'avx512_vnni'` on the CPU's int8 dot products (four times
   * the fp32 multiply-adds per instruction), `'emulated'` on portable integer loops (the same
   * results, slower; also under CONVKIT_INT8=emulate).
   */
  int8?: 'avx512_vnni' | 'emulated';
}

/** What {@link info} returns. */
export interface Info {
  /** convkit's version (package.json). */
  version: string;
  /** The backend the ops use now. */
  backend: BackendName;
  /** The native addon: loaded or not, why not, SIMD level, threads. */
  native: NativeInfo;
}

/**
 * The runtime: version, current backend and the native addon's state (loaded or not and why,
 * which binary, SIMD level, threads, OpenMP).
 * @example
 * ```ts
 * info().native.loaded;   // true when the prebuilt or built addon loaded
 * ```
 */
export function info(): Info {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = (require('../../package.json') as { version: string }).version;
  if (!loaded.addon) {
    const native: NativeInfo = { loaded: false, error: loaded.error, simd: 'scalar', threads: tsThreads, openmp: false };
    if (loaded.path !== undefined) native.path = loaded.path;
    return { version, backend: current.name, native };
  }
  const a = loaded.addon.info();
  const native: NativeInfo = {
    loaded: true, source: loaded.source, path: loaded.path, simd: a.simd, detectedSimd: a.detectedSimd,
    threads: a.threads, maxThreads: a.maxThreads, openmp: a.openmp, mallocTuned: a.mallocTuned,
    warnings: a.warnings, workspaceBytes: a.workspaceBytes, workspaceCap: a.workspaceCap, bf16: a.bf16, int8: a.int8,
  };
  if (a.warnings.length > 0) native.error = a.warnings.join('; ');
  return { version, backend: current.name, native };
}
