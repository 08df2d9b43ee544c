// The pure-TypeScript backend: runs everywhere, and is the reference the native one is tested against.
import type { Backend } from '../backend';
import { activation, activationBackward, softmax, softmaxBackward } from './activation';
import { conv2d, conv2dBackwardData, conv2dBackwardFilter } from './conv2d';
import { sgemm } from './gemm';
import { output } from './output';
import { avgPool2d, avgPool2dBackward, globalAvgPool2d, globalMaxPool2d, maxPool2d, maxPool2dBackward } from './pool2d';

/** Runs a synchronous kernel on a later turn of the event loop, so errors reject instead of throwing. */
function later<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => Promise<void> {
  return (...args: A) => new Promise<void>((resolve, reject) => {
    setImmediate(() => {
      try { fn(...args); resolve(); } catch (e) { reject(e); }
    });
  });
}

export const tsBackend: Backend = {
  name: 'ts',
  output,
  conv2d,
  conv2dAsync: later(conv2d),
  conv2dBackwardData,
  conv2dBackwardFilter,
  maxPool2d,
  maxPool2dAsync: later(maxPool2d),
  avgPool2d,
  avgPool2dAsync: later(avgPool2d),
  maxPool2dBackward,
  avgPool2dBackward,
  globalAvgPool2d,
  globalMaxPool2d,
  sgemm,
  sgemmAsync: later(sgemm),
  activation,
  softmax,
  activationBackward,
  softmaxBackward,
};
