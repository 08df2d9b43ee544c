// Every ONNX operator convkit runs, by op type (default domain). An op type not here fails at
// onnx.load, naming the node.
import type { OpDef } from './op';
import { Conv } from './conv';
import { Add, Sub, Mul, Div, Pow, Max, Min, Relu, Sigmoid, Tanh, Neg, Exp, Log, Sqrt, Abs, HardSwish, LeakyRelu, Clip } from './elementwise';
import { Identity, Dropout, Shape, Reshape, Flatten, Unsqueeze, Squeeze, Constant, Gather, Concat } from './shape';
import { MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool } from './pool';
import { Gemm, MatMul } from './gemm';
import { BatchNormalization } from './norm';

export const OPS: Record<string, OpDef<any>> = {
  Conv,
  Add, Sub, Mul, Div, Pow, Max, Min,
  Relu, Sigmoid, Tanh, Neg, Exp, Log, Sqrt, Abs, HardSwish, LeakyRelu, Clip,
  Identity, Dropout, Shape, Reshape, Flatten, Unsqueeze, Squeeze, Constant, Gather, Concat,
  MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool,
  Gemm, MatMul,
  BatchNormalization,
};
