// convkit's public surface. Nothing but exports lives here.
export { Tensor, tensor, zeros, ones, full, rand, randn } from './tensor';
export type { Shape, NestedArray, AnyTensor } from './tensor';

export { conv2d, conv2dAsync, conv2dBackward } from './ops/conv2d';
export type { Conv2dOptions, Conv2dGrad } from './ops/conv2d';
export {
  maxPool2d, maxPool2dAsync, avgPool2d, avgPool2dAsync, maxPool2dBackward, avgPool2dBackward,
  globalAvgPool2d, globalMaxPool2d,
} from './ops/pool2d';
export type { Pool2dOptions } from './ops/pool2d';
export { gemm, gemmAsync, matmul, matmulAsync, linear, sgemm, sbgemm, qgemm } from './ops/gemm';
export type { GemmOptions, Precision, ProductOptions, ProductPrecision } from './ops/gemm';
export {
  relu, sigmoid, tanh, softmax, logSoftmax,
  reluBackward, sigmoidBackward, tanhBackward, softmaxBackward, logSoftmaxBackward,
  leakyRelu, relu6, silu, gelu, hardSigmoid, hardSwish,
} from './ops/activation';
export { crossEntropy, crossEntropyLoss, mseLoss } from './ops/loss';
export type { CrossEntropyLossOptions, Reduction } from './ops/loss';
export { convTranspose2d } from './ops/conv-transpose2d';
export type { ConvTranspose2dOptions } from './ops/conv-transpose2d';
export { upsample2d, upsample2dBackward } from './ops/upsample2d';
export type { Upsample2dOptions } from './ops/upsample2d';
export type { Upsample2dInfo, UpsampleMode } from './shape/upsample2d-info';
export { adaptiveAvgPool2d } from './ops/adaptive-pool2d';
export { dropout } from './ops/dropout';
export type { DropoutOptions } from './ops/dropout';
export { manualSeed } from './random';
export { noGrad, enableGrad, isGradEnabled } from './autograd/grad-mode';
export type { BackwardOptions } from './autograd/backward';
export { batchNorm2d, batchNorm2dWithStats, batchNorm2dBackward } from './ops/norm';
export type { BatchNorm2dOptions, BatchNorm2dResult, BatchNorm2dBackwardOptions, BatchNorm2dGrad } from './ops/norm';
export {
  reshape, flatten, transpose, concat, split, slice, pad,
  transposeBackward, concatBackward, splitBackward, sliceBackward, padBackward, reshapeBackward,
} from './ops/shape';
export type { PadOptions } from './ops/shape';
export type { BatchNorm2dInfo } from './shape/batch-norm-info';
export type { StridedCopyInfo, PadInfo, PadMode } from './shape/copy-info';
export { add, sub, mul, div, pow, maximum, minimum, neg, exp, log, sqrt, abs, clamp } from './ops/arith';
export { sum, mean, max, min, argmax } from './ops/reduce';
export type { ReduceOptions } from './ops/reduce';
export { sumToShape } from './ops/broadcast';
export { filter2d } from './ops/filter2d';
export type { Filter2dOptions } from './ops/filter2d';
export { filters } from './filters';
export { image } from './image/index';

export { convOutputSize } from './shape/output-size';
export { conv2dOutputShape, pool2dOutputShape, conv2dParamCount } from './shape/public';
export type { Conv2dInfo, Layout, Activation, Padding } from './shape/conv2d-info';
export type { Pool2dInfo, GlobalPool2dInfo } from './shape/pool2d-info';

export { backends, getBackend, setBackend, info, setNumThreads, getNumThreads } from './backend/select';
export type { Backend, BackendName, ActivationKind, BinaryKind, ReduceKind, PackedConv2dWeights } from './backend/backend';
export type { BroadcastInfo } from './shape/broadcast-info';
export type { Info, NativeInfo } from './backend/select';

/** Layers as classes, as torch.nn: {@link nn.Conv2d}, {@link nn.Linear}, pools, activations, {@link nn.Sequential}, and their base {@link nn.Module}. */
export * as nn from './nn/index';
/** Optimizers and learning-rate schedules, as torch.optim: {@link optim.SGD}, {@link optim.Adam}, {@link optim.AdamW}, {@link optim.clipGradNorm}, {@link optim.StepLR}, {@link optim.CosineAnnealingLR}, {@link optim.OneCycleLR}. */
export * as optim from './optim/index';
export { io } from './io/index';
export type { SafetensorsContents } from './io/index';
export { onnx, OnnxModel } from './onnx/index';
export type { OnnxLoadOptions, OnnxValueInfo } from './onnx/index';
export type { Dim } from './onnx/graph';
