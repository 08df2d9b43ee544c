// The native backend: the Backend interface over the compiled addon, written once. Sync kernels
// go straight to the addon (it checks every argument itself: native/napi); async ones get the
// caller's stack on their errors and resolve with the output (the one the addon allocated for
// y = null, else the caller's y).
import type { Backend } from '../backend';
import type { Addon, AsyncKernelName, SyncKernelName } from './addon-types';
import { withCallerStack } from './async';
import { output } from './output';

// Records, so the compiler refuses a Backend kernel missing here.
const SYNC: Record<SyncKernelName, true> = {
  conv2d: true, conv2dBackwardData: true, conv2dBackwardFilter: true,
  maxPool2d: true, avgPool2d: true, maxPool2dBackward: true, avgPool2dBackward: true, globalAvgPool2d: true, globalMaxPool2d: true,
  upsample2d: true, upsample2dBackward: true,
  sgemm: true, matmul: true, activation: true, softmax: true, activationBackward: true, softmaxBackward: true,
  batchNorm2dStats: true, batchNorm2dApply: true, batchNorm2dBackward: true, copyStrided: true, pad: true,
  binary: true, reduce: true, argmax: true,
};
const ASYNC: Record<AsyncKernelName, true> = { conv2dAsync: true, maxPool2dAsync: true, avgPool2dAsync: true, sgemmAsync: true, matmulAsync: true };

export function makeNativeBackend(addon: Addon): Backend {
  const be: Record<string, unknown> = { name: 'native', output };
  for (const k of Object.keys(SYNC) as SyncKernelName[]) be[k] = (addon[k] as (...a: unknown[]) => void).bind(addon);
  for (const k of Object.keys(ASYNC) as AsyncKernelName[]) {
    const call = (addon[k] as (...a: unknown[]) => Promise<Float32Array | undefined>).bind(addon);
    be[k] = async (...args: unknown[]) => {
      const r = await withCallerStack(call(...args));
      // sgemmAsync updates the caller's c; the others resolve with y (args: ..., y, info),
      // conv2dAsync's y being its 4th argument (a residual may follow the info).
      if (k === 'sgemmAsync') return undefined;
      return r ?? (k === 'conv2dAsync' ? args[3] : args[args.length - 2]);
    };
  }
  return be as unknown as Backend;
}
