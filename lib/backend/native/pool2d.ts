// Native pooling: hands the validated info to the addon (native/napi/pool2d.cc).
import type { GlobalPool2dInfo, Pool2dInfo } from '../../shape/pool2d-info';
import type { Addon } from './addon-types';
import { withCallerStack } from './async';

export function makePool2d(addon: Addon) {
  return {
    maxPool2d: (x: Float32Array, y: Float32Array, info: Pool2dInfo): void => addon.maxPool2d(x, y, info),
    maxPool2dAsync: async (x: Float32Array, y: Float32Array | null, info: Pool2dInfo): Promise<Float32Array> =>
      (await withCallerStack(addon.maxPool2dAsync(x, y, info))) ?? y!,
    avgPool2d: (x: Float32Array, y: Float32Array, info: Pool2dInfo): void => addon.avgPool2d(x, y, info),
    avgPool2dAsync: async (x: Float32Array, y: Float32Array | null, info: Pool2dInfo): Promise<Float32Array> =>
      (await withCallerStack(addon.avgPool2dAsync(x, y, info))) ?? y!,
    maxPool2dBackward: (dy: Float32Array, x: Float32Array, dx: Float32Array, info: Pool2dInfo): void => addon.maxPool2dBackward(dy, x, dx, info),
    avgPool2dBackward: (dy: Float32Array, dx: Float32Array, info: Pool2dInfo): void => addon.avgPool2dBackward(dy, dx, info),
    globalAvgPool2d: (x: Float32Array, y: Float32Array, info: GlobalPool2dInfo): void => addon.globalAvgPool2d(x, y, info),
    globalMaxPool2d: (x: Float32Array, y: Float32Array, info: GlobalPool2dInfo): void => addon.globalMaxPool2d(x, y, info),
  };
}
