// Native convolution: hands the validated info to the addon (native/napi/conv2d.cc).
import type { Conv2dInfo } from '../../shape/conv2d-info';
import type { Addon } from './addon-types';
import { withCallerStack } from './async';

export function makeConv2d(addon: Addon) {
  return {
    conv2d: (x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, info: Conv2dInfo): void =>
      addon.conv2d(x, w, b, y, info),
    conv2dAsync: async (x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array | null, info: Conv2dInfo): Promise<Float32Array> =>
      (await withCallerStack(addon.conv2dAsync(x, w, b, y, info))) ?? y!,
    conv2dBackwardData: (dy: Float32Array, w: Float32Array, dx: Float32Array, info: Conv2dInfo): void =>
      addon.conv2dBackwardData(dy, w, dx, info),
    conv2dBackwardFilter: (dy: Float32Array, x: Float32Array, dw: Float32Array, db: Float32Array | null, info: Conv2dInfo): void =>
      addon.conv2dBackwardFilter(dy, x, dw, db, info),
  };
}
