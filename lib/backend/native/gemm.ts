// Native SGEMM: the addon's blocked, packed kernel (native/src/gemm).
import type { Addon } from './addon-types';
import { withCallerStack } from './async';

export function makeGemm(addon: Addon) {
  return {
    sgemm: addon.sgemm.bind(addon),
    sgemmAsync: (...args: Parameters<Addon['sgemmAsync']>): Promise<void> => withCallerStack(addon.sgemmAsync(...args)),
  };
}
