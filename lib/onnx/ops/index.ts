// Every ONNX operator convkit runs, by op type (default domain). An op type not here fails at
// onnx.load, naming the node.
import type { OpDef } from './op';
import { Conv, ConvTranspose } from './conv';
import {
  Add, Sub, Mul, Div, Pow, Max, Min, Sum, Mean, Relu, Sigmoid, Tanh, Neg, Exp, Log, Sqrt, Abs, HardSwish, HardSigmoid, Erf, LeakyRelu, Clip,
} from './elementwise';
import { Identity, Dropout, Shape, Reshape, Flatten, Unsqueeze, Squeeze, Constant, Gather, Concat } from './shape';
import { Transpose, Slice, Split, Expand, Tile, Pad } from './movement';
import { Cast, ConstantOfShape, Range, Equal, Less, Greater, Not, Where } from './logic';
import { MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool } from './pool';
import { Gemm, MatMul } from './gemm';
import { BatchNormalization, LayerNormalization } from './norm';
import { ReduceMean, ReduceSum, ReduceMax, ReduceMin, Softmax, LogSoftmax } from './reduce';
import { Resize, Upsample } from './resize';

export const OPS: Record<string, OpDef<any>> = {
  Conv, ConvTranspose,
  Add, Sub, Mul, Div, Pow, Max, Min, Sum, Mean,
  Relu, Sigmoid, Tanh, Neg, Exp, Log, Sqrt, Abs, HardSwish, HardSigmoid, Erf, LeakyRelu, Clip,
  Identity, Dropout, Shape, Reshape, Flatten, Unsqueeze, Squeeze, Constant, Gather, Concat,
  Transpose, Slice, Split, Expand, Tile, Pad,
  Cast, ConstantOfShape, Range, Equal, Less, Greater, Not, Where,
  MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool,
  Gemm, MatMul,
  BatchNormalization, LayerNormalization,
  ReduceMean, ReduceSum, ReduceMax, ReduceMin, Softmax, LogSoftmax,
  Resize, Upsample,
};
