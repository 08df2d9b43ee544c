// The native backend: the Backend interface over the compiled addon, written once. Sync kernels
// go straight to the addon (it checks every argument itself: native/napi); async ones get the
// caller's stack on their errors and resolve with the output (the one the addon allocated for
// y = null, else the caller's y). The info objects of sgemm, conv2d, the pools, batch norm and binary go packed
// (packed-info.ts): the glue reads them in one go instead of field by field.
import { type Backend, conv2dPackKey, type PackedConv2dWeights } from '../backend';
import type { Conv2dInfo } from '../../shape/conv2d-info';
import { checkPacked } from '../packed-weights';
import type { Addon, AsyncKernelName, SyncKernelName } from './addon-types';
import { withCallerStack } from './async';
import { makeOutput } from './output';
import { packBatchNorm2dInfo, packBroadcastInfo, packConv2dInfo, packGemmInfo, packGlobalPool2dInfo, packPool2dInfo } from './packed-info';

// Records, so the compiler refuses a Backend kernel missing here.
const SYNC: Record<SyncKernelName, true> = {
  conv2d: true, conv2dBf16: true, conv2dInt8: true, conv2dBackwardData: true, conv2dBackwardFilter: true,
  maxPool2d: true, avgPool2d: true, maxPool2dBackward: true, avgPool2dBackward: true, globalAvgPool2d: true, globalMaxPool2d: true,
  upsample2d: true, upsample2dBackward: true,
  sgemm: true, sbgemm: true, qgemm: true, matmul: true, activation: true, softmax: true, activationBackward: true, softmaxBackward: true,
  batchNorm2dStats: true, batchNorm2dApply: true, batchNorm2dBackward: true, copyStrided: true, pad: true,
  binary: true, reduce: true, argmax: true,
};
const ASYNC: Record<AsyncKernelName, true> = { conv2dAsync: true, conv2dBf16Async: true, conv2dInt8Async: true, maxPool2dAsync: true, avgPool2dAsync: true, sgemmAsync: true, sbgemmAsync: true, qgemmAsync: true, matmulAsync: true };

type Packer = (info: never) => unknown;
// The kernels whose info goes packed: the info's argument index and its packer.
const PACKED: Partial<Record<SyncKernelName | AsyncKernelName, [number, Packer]>> = {
  sgemm: [3, packGemmInfo], sgemmAsync: [3, packGemmInfo], sbgemm: [3, packGemmInfo], sbgemmAsync: [3, packGemmInfo], qgemm: [3, packGemmInfo], qgemmAsync: [3, packGemmInfo],
  conv2d: [4, packConv2dInfo], conv2dAsync: [4, packConv2dInfo], conv2dBf16: [4, packConv2dInfo], conv2dBf16Async: [4, packConv2dInfo], conv2dInt8: [4, packConv2dInfo], conv2dInt8Async: [4, packConv2dInfo],
  conv2dBackwardData: [3, packConv2dInfo], conv2dBackwardFilter: [4, packConv2dInfo],
  maxPool2d: [2, packPool2dInfo], maxPool2dAsync: [2, packPool2dInfo], avgPool2d: [2, packPool2dInfo], avgPool2dAsync: [2, packPool2dInfo],
  maxPool2dBackward: [3, packPool2dInfo], avgPool2dBackward: [2, packPool2dInfo],
  globalAvgPool2d: [2, packGlobalPool2dInfo], globalMaxPool2d: [2, packGlobalPool2dInfo],
  binary: [4, packBroadcastInfo],
  batchNorm2dStats: [3, packBatchNorm2dInfo], batchNorm2dApply: [4, packBatchNorm2dInfo], batchNorm2dBackward: [8, packBatchNorm2dInfo],
};

/** addon[k], bound, with its info packed where PACKED says so. */
function kernel<R>(addon: Addon, k: SyncKernelName | AsyncKernelName): (...a: unknown[]) => R {
  const call = (addon[k] as (...a: unknown[]) => R).bind(addon);
  const packed = PACKED[k];
  if (packed === undefined) return call;
  const [at, pack] = packed;
  return (...args: unknown[]) => {
    args[at] = pack(args[at] as never);
    return call(...args);
  };
}

export function makeNativeBackend(addon: Addon): Backend {
  const output = makeOutput((ab) => addon.byteMisalignment(ab));
  const be: Record<string, unknown> = { name: 'native', output };
  for (const k of Object.keys(SYNC) as SyncKernelName[]) be[k] = kernel<void>(addon, k);
  for (const k of Object.keys(ASYNC) as AsyncKernelName[]) {
    const call = kernel<Promise<Float32Array | undefined>>(addon, k);
    be[k] = async (...args: unknown[]) => {
      const r = await withCallerStack(call(...args));
      // sgemmAsync, sbgemmAsync and qgemmAsync update the caller's c; the others resolve with y (args: ...,
      // y, info), conv2dAsync's y being its 4th argument (a residual may follow the info).
      if (k === 'sgemmAsync' || k === 'sbgemmAsync' || k === 'qgemmAsync') return undefined;
      return r ?? (k === 'conv2dAsync' || k === 'conv2dBf16Async' || k === 'conv2dInt8Async' ? args[3] : args[args.length - 2]);
    };
  }
  // The fields of a conv2dPackKey the panels depend on: Cin, Cout, KH, KW, groups, layout.
  const samePanelGeometry = (key: string, info: Conv2dInfo): boolean => {
    const k = key.split(',');
    return Number(k[1]) === info.inChannels && Number(k[4]) === info.outChannels && Number(k[5]) === info.kernelH &&
      Number(k[6]) === info.kernelW && Number(k[15]) === info.groups && k[16] === info.layout;
  };
  // Prepacked conv2d weights: w and the addon's panels, tagged with the geometry (checked
  // against it here; the addon checks the lengths).
  be.conv2dPrepack = (w: Float32Array, info: Conv2dInfo, precision: 'fp32' | 'bf16' | 'int8' = 'fp32', like?: PackedConv2dWeights): PackedConv2dWeights => {
    const pi = packConv2dInfo(info) as unknown as Conv2dInfo;
    const kind = precision === 'bf16' || precision === 'int8' ? precision : 'fp32';
    const n = kind === 'bf16' ? addon.conv2dBf16PackedSize(pi) : kind === 'int8' ? addon.conv2dInt8PackedSize(pi) : addon.conv2dPackedSize(pi);
    // The addon's panels (the 1x1 GEMM's, Winograd's transformed weights) are a function of w,
    // the precision, Cin, Cout, the kernel, groups and layout, given the path, which their size
    // tells apart (0 where there are none); batch, spatial size, stride and padding only pick
    // the path (test/parity/conv2d-prepack.test.ts compares them across geometries).
    if (like !== undefined && n > 0 && like.backend === 'native' && like.w === w && like.precision === kind &&
      like.data.length === n && samePanelGeometry(like.key, info)) {
      return Object.freeze({ ...like, key: conv2dPackKey(info) });
    }
    const data = output(n).fill(0);  // 64-byte aligned, as the kernels' own panels
    if (kind === 'bf16') addon.conv2dBf16Prepack(w, data, pi);
    else if (kind === 'int8') addon.conv2dInt8Prepack(w, data, pi);
    else addon.conv2dPrepack(w, data, pi);
    return Object.freeze({ backend: 'native' as const, key: conv2dPackKey(info), w, data, precision: kind });
  };
  be.conv2dPacked = (x: Float32Array, pw: PackedConv2dWeights, b: Float32Array | null, y: Float32Array, info: Conv2dInfo, r?: Float32Array | null): void => {
    checkPacked('native', pw, info);
    if (pw.precision === 'bf16') addon.conv2dBf16Packed(x, pw.w, pw.data, b, y, packConv2dInfo(info) as unknown as Conv2dInfo, r);
    else if (pw.precision === 'int8') addon.conv2dInt8Packed(x, pw.w, pw.data, b, y, packConv2dInfo(info) as unknown as Conv2dInfo, r);
    else addon.conv2dPacked(x, pw.w, pw.data, b, y, packConv2dInfo(info) as unknown as Conv2dInfo, r);
  };
  return be as unknown as Backend;
}
