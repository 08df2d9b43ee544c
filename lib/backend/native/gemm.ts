// Native SGEMM: the addon's blocked, packed kernel (native/src/gemm).
import type { MatmulInfo } from '../../shape/gemm-info';
import type { Addon } from './addon-types';
import { withCallerStack } from './async';

export function makeGemm(addon: Addon) {
  return {
    sgemm: addon.sgemm.bind(addon),
    sgemmAsync: (...args: Parameters<Addon['sgemmAsync']>): Promise<void> => withCallerStack(addon.sgemmAsync(...args)),
    matmul: addon.matmul.bind(addon),
    matmulAsync: async (a: Float32Array, b: Float32Array, y: Float32Array | null, info: MatmulInfo): Promise<Float32Array> =>
      (await withCallerStack(addon.matmulAsync(a, b, y, info))) ?? y!,
  };
}
