// Where a model-level bf16 setting (onnx.load's precision, Module.setPrecision) runs bf16: the
// layers measured faster on bf16 operands. The functional ops' `precision` option is the
// caller's choice per call and does not consult this.

/**
 * A convolution with a kh x kw kernel in `groups` groups runs on bf16 operands only when it is a
 * 1x1 of one group (the bf16 GEMM); 3x3 (Winograd), the direct small-Cin kernels and depthwise
 * are faster in fp32 on these kernels (native/src/conv2d/conv2d-bf16.cc) and stay fp32.
 */
export function convRunsBf16(kh: number, kw: number, groups: number): boolean {
  return kh === 1 && kw === 1 && groups === 1;
}

/**
 * A product of `rows` rows of A (a Linear's or Gemm's batch) runs on bf16 operands from 8 rows
 * (one micro-kernel tile) on: below that the product streams B once, and converting B per call
 * costs more than it saves (a classifier head at batch 1).
 */
export function productRunsBf16(rows: number): boolean {
  return rows >= 8;
}
