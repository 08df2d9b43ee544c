// The native backend: the same Backend interface over the compiled addon.
import type { Backend } from '../backend';
import { makeActivation } from './activation';
import type { Addon } from './addon-types';
import { makeConv2d } from './conv2d';
import { makeGemm } from './gemm';
import { output } from './output';
import { makePool2d } from './pool2d';

export function makeNativeBackend(addon: Addon): Backend {
  return {
    name: 'native',
    output,
    ...makeConv2d(addon),
    ...makePool2d(addon),
    ...makeGemm(addon),
    ...makeActivation(addon),
  };
}
