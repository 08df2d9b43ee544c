// Where a model-level low-precision setting (onnx.load's precision, Module.setPrecision) runs
// bf16 or int8: the layers measured faster that way. The functional ops' `precision` option is
// the caller's choice per call and does not consult this.

/** What decides whether a convolution runs on bf16 operands. */
export interface ConvBf16Geometry {
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  inChannels: number;
  groups: number;
  layout: 'nchw' | 'nhwc';
}

/**
 * A convolution runs on bf16 operands when the native bf16 GEMM path takes it (one group, and a
 * 1x1 kernel, or an NHWC k x k kernel on 16 input channels or more, strided or of an even
 * channel count: x converted to bf16 pairs once, im2col of pairs; native/src/conv2d/conv2d-bf16.cc).
 * Measured at batch 4, 1 thread, against fp32 with prepacked weights: ResNet's strided 3x3 2.1x
 * faster, its stride-1 3x3 1.1-1.3x faster than fp32 Winograd (2x at 7 x 7). NCHW k x k, the
 * direct small-Cin kernels, odd channel counts at stride 1 and depthwise stay fp32.
 */
export function convRunsBf16(g: ConvBf16Geometry): boolean {
  if (g.groups !== 1) return false;
  if (g.kernelH === 1 && g.kernelW === 1) return true;
  return g.layout === 'nhwc' && g.inChannels >= 16 && (g.strideH > 1 || g.strideW > 1 || g.inChannels % 2 === 0);
}

/**
 * A convolution runs on int8 operands under a model-level int8 setting (onnx.load's precision)
 * when it has one group, 16 input channels or more, and filters of at most 65536 taps (the
 * int32 sums). ResNet-50's 7x7 stem (Cin 3) ran 1.9x slower on int8 (its im2col of 147-byte
 * rows against fp32's direct kernel); grouped and depthwise layers are a few columns per GEMM.
 */
export function convRunsInt8(g: ConvBf16Geometry): boolean {
  return g.groups === 1 && g.inChannels >= 16 && g.inChannels * g.kernelH * g.kernelW <= 65536;
}

/**
 * A product of `rows` rows of A (a Linear's or Gemm's batch) runs on bf16 operands from 8 rows
 * (one micro-kernel tile) on: below that the product streams B once, and converting B per call
 * costs more than it saves (a classifier head at batch 1).
 */
export function productRunsBf16(rows: number): boolean {
  return rows >= 8;
}
