// The pure-TypeScript backend: runs everywhere, and is the reference the native one is tested against.
import type { Conv2dInfo } from '../../shape/conv2d-info';
import type { Pool2dInfo } from '../../shape/pool2d-info';
import type { Backend } from '../backend';
import { activation, activationBackward, softmax, softmaxBackward } from './activation';
import { conv2d, conv2dBackwardData, conv2dBackwardFilter } from './conv2d';
import { sgemm } from './gemm';
import { output } from './output';
import { checkNoOverlap } from './overlap';
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

// Every kernel behind the overlap check (overlap.ts), as the native glue does.
const checked = {
  conv2d: ((x, w, b, y, info) => { checkNoOverlap('conv2d', { y }, { x, w, b }); conv2d(x, w, b, y, info); }) as Backend['conv2d'],
  conv2dBackwardData: ((dy, w, dx, info) => { checkNoOverlap('conv2dBackwardData', { dx }, { dy, w }); conv2dBackwardData(dy, w, dx, info); }) as Backend['conv2dBackwardData'],
  conv2dBackwardFilter: ((dy, x, dw, db, info) => { checkNoOverlap('conv2dBackwardFilter', { dw, db }, { dy, x }); conv2dBackwardFilter(dy, x, dw, db, info); }) as Backend['conv2dBackwardFilter'],
  maxPool2d: ((x, y, info) => { checkNoOverlap('maxPool2d', { y }, { x }); maxPool2d(x, y, info); }) as Backend['maxPool2d'],
  avgPool2d: ((x, y, info) => { checkNoOverlap('avgPool2d', { y }, { x }); avgPool2d(x, y, info); }) as Backend['avgPool2d'],
  maxPool2dBackward: ((dy, x, dx, info) => { checkNoOverlap('maxPool2dBackward', { dx }, { dy, x }); maxPool2dBackward(dy, x, dx, info); }) as Backend['maxPool2dBackward'],
  avgPool2dBackward: ((dy, dx, info) => { checkNoOverlap('avgPool2dBackward', { dx }, { dy }); avgPool2dBackward(dy, dx, info); }) as Backend['avgPool2dBackward'],
  globalAvgPool2d: ((x, y, info) => { checkNoOverlap('globalAvgPool2d', { y }, { x }); globalAvgPool2d(x, y, info); }) as Backend['globalAvgPool2d'],
  globalMaxPool2d: ((x, y, info) => { checkNoOverlap('globalMaxPool2d', { y }, { x }); globalMaxPool2d(x, y, info); }) as Backend['globalMaxPool2d'],
  sgemm: ((ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) => {
    checkNoOverlap('sgemm', { c: extent(c, m, n, ldc) }, {
      a: extent(a, ta ? k : m, ta ? m : k, lda), b: extent(b, tb ? n : k, tb ? k : n, ldb),
    });
    sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }) as Backend['sgemm'],
  activation: ((kind, x, y) => { checkNoOverlap(kind, { y }, { x }, true); activation(kind, x, y); }) as Backend['activation'],
  softmax: ((x, y, outer, axis, inner, log) => { checkNoOverlap('softmax', { y }, { x }, true); softmax(x, y, outer, axis, inner, log); }) as Backend['softmax'],
  activationBackward: ((kind, dy, t, dx) => { checkNoOverlap('activationBackward', { dx }, { dy, [kind === 'relu' ? 'x' : 'y']: t }, true); activationBackward(kind, dy, t, dx); }) as Backend['activationBackward'],
  softmaxBackward: ((dy, y, dx, outer, axis, inner, log) => { checkNoOverlap('softmaxBackward', { dx }, { dy, y }, true); softmaxBackward(dy, y, dx, outer, axis, inner, log); }) as Backend['softmaxBackward'],
};

/** The *Async form of a forward op: y = null allocates the output; resolves with it. */
function laterWithOutput<A extends unknown[], I>(fn: (...args: [...A, Float32Array, I]) => void, size: (info: I) => number) {
  return (...args: [...A, Float32Array | null, I]): Promise<Float32Array> => {
    const info = args[args.length - 1] as I;
    let y = args[args.length - 2] as Float32Array | null;
    let failure: unknown = null;
    try {
      y ??= output(size(info));
      fn(...([...args.slice(0, -2), y, info] as unknown as [...A, Float32Array, I]));
    } catch (e) { failure = e ?? new Error('unknown failure'); }
    return new Promise<Float32Array>((resolve, reject) => setImmediate(() => (failure === null ? resolve(y!) : reject(failure))));
  };
}

const convOut = (i: Conv2dInfo) => i.batch * i.outChannels * i.outHeight * i.outWidth;
const poolOut = (i: Pool2dInfo) => i.batch * i.channels * i.outHeight * i.outWidth;

export const tsBackend: Backend = {
  name: 'ts',
  output,
  ...checked,
  conv2dAsync: laterWithOutput<[Float32Array, Float32Array, Float32Array | null], Conv2dInfo>(checked.conv2d, convOut),
  maxPool2dAsync: laterWithOutput<[Float32Array], Pool2dInfo>(checked.maxPool2d, poolOut),
  avgPool2dAsync: laterWithOutput<[Float32Array], Pool2dInfo>(checked.avgPool2d, poolOut),
  sgemmAsync: later(checked.sgemm),
};
