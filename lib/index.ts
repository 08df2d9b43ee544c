// convkit's public surface. Nothing but exports lives here.
export { Tensor, tensor, zeros, ones, full, rand, randn } from './tensor';
export type { Shape, NestedArray } from './tensor';

export { conv2d, conv2dAsync, conv2dBackward } from './ops/conv2d';
export type { Conv2dOptions, Conv2dGrad } from './ops/conv2d';
export {
  maxPool2d, maxPool2dAsync, avgPool2d, avgPool2dAsync, maxPool2dBackward, avgPool2dBackward,
  globalAvgPool2d, globalMaxPool2d,
} from './ops/pool2d';
export type { Pool2dOptions } from './ops/pool2d';
export { gemm, gemmAsync, matmul, matmulAsync, linear, sgemm } from './ops/gemm';
export type { GemmOptions } from './ops/gemm';
export {
  relu, sigmoid, tanh, softmax, logSoftmax,
  reluBackward, sigmoidBackward, tanhBackward, softmaxBackward, logSoftmaxBackward,
  leakyRelu, relu6, silu, gelu, hardSigmoid, hardSwish,
} from './ops/activation';
export { add, sub, mul, div, pow, maximum, minimum, neg, exp, log, sqrt, abs, clamp } from './ops/arith';
export { sum, mean, max, min } from './ops/reduce';
export type { ReduceOptions } from './ops/reduce';
export { sumToShape } from './ops/broadcast';
export { crossEntropy } from './ops/loss';
export { filter2d } from './ops/filter2d';
export type { Filter2dOptions } from './ops/filter2d';
export { filters } from './filters';
export { image } from './image/index';

export { convOutputSize } from './shape/output-size';
export { conv2dOutputShape, pool2dOutputShape, conv2dParamCount } from './shape/public';
export type { Conv2dInfo, Layout, Activation, Padding } from './shape/conv2d-info';
export type { Pool2dInfo, GlobalPool2dInfo } from './shape/pool2d-info';

export { backends, getBackend, setBackend, info, setNumThreads, getNumThreads } from './backend/select';
export type { Backend, BackendName, ActivationKind, BinaryKind, ReduceKind } from './backend/backend';
export type { BroadcastInfo } from './shape/broadcast-info';
export type { Info, NativeInfo } from './backend/select';

/** Layers as classes, as torch.nn: {@link nn.Conv2d}, {@link nn.Linear}, pools, activations, {@link nn.Sequential}, and their base {@link nn.Module}. */
export * as nn from './nn/index';
/** Optimizers, as torch.optim: {@link optim.SGD} and {@link optim.Adam}. */
export * as optim from './optim/index';
export { io } from './io/index';
export type { SafetensorsContents } from './io/index';
