// Conv shapes that reach each algorithm (the path named is the AVX-512 one; see conv2d.cc),
// run by both the plain conv parity test (conv2d.test.ts) and the fused epilogue's
// (conv2d-epilogue.test.ts); each adds shapes of its own.
import type { ConvPath } from './paths';

/** A named conv shape and the algorithm the AVX-512 driver sends it down. */
export interface ConvPathCase {
  name: string;
  path: ConvPath;
  x: number[];
  w: number[];
  opts: Record<string, unknown>;
}

/** Direct NHWC, implicit GEMM, 1x1, depthwise and the reference for absurd geometry. */
export const convPathCases: ConvPathCase[] = [
  // Direct: Cin per group <= 16 (and Cin_g*KH*KW <= 1024), not 1x1.
  { name: 'direct nhwc 16->20 5x5', path: 'direct', x: [1, 13, 11, 16], w: [20, 5, 5, 16], opts: { padding: 2, layout: 'nhwc' } },
  // Direct NHWC of at most 16 input channels (a stem): channels in the lanes, rows of positions
  // from a padded NHWC copy. 12 x 32, 6 x 64 with a masked 16 + 6, 24 x 16 tiles and their
  // tails; stride * Cin of 6 and 3 (constant steps) and others; dilation, asymmetric padding.
  { name: 'direct nhwc stem 3->32 3x3/2 batch 2', path: 'direct', x: [2, 17, 15, 3], w: [32, 3, 3, 3], opts: { stride: 2, padding: 1, layout: 'nhwc' } },
  { name: 'direct nhwc stem 3->70 7x7/2', path: 'direct', x: [1, 23, 21, 3], w: [70, 7, 7, 3], opts: { stride: 2, padding: 3, layout: 'nhwc' } },
  { name: 'direct nhwc 4->17 3x3 dilation 2 stride (1, 3)', path: 'direct', x: [1, 12, 19, 4], w: [17, 3, 3, 4], opts: { stride: [1, 3], dilation: 2, padding: [1, 0, 2, 1], layout: 'nhwc' } },
  { name: 'direct nhwc 1->9 5x5 batch 3', path: 'direct', x: [3, 9, 8, 1], w: [9, 5, 5, 1], opts: { padding: 2, layout: 'nhwc' } },
  { name: 'direct nhwc 2->24 3x3/3', path: 'direct', x: [1, 14, 16, 2], w: [24, 3, 3, 2], opts: { stride: 3, layout: 'nhwc' } },
  // Implicit GEMM: Cin per group > 16 and not Winograd (stride 2, 5x5, dilation, few tiles).
  { name: 'igemm nchw 24->32 3x3/2', path: 'igemm', x: [1, 24, 15, 15], w: [32, 24, 3, 3], opts: { stride: 2, padding: 1 } },
  { name: 'igemm nhwc 20->17 5x5 dilation 2', path: 'igemm', x: [2, 14, 12, 20], w: [17, 5, 5, 20], opts: { dilation: 2, padding: 3, layout: 'nhwc' } },
  { name: 'igemm nchw 64->64 3x3 5x5 image (9 tiles)', path: 'igemm', x: [1, 64, 5, 5], w: [64, 64, 3, 3], opts: { padding: 1 } },
  { name: 'igemm grouped nchw 2x18 3x3', path: 'igemm', x: [1, 36, 9, 8], w: [10, 18, 3, 3], opts: { groups: 2 } },
  // 1x1, stride 1, no padding: a GEMM on the input as it is.
  { name: 'pointwise nchw 40->24', path: 'pointwise', x: [2, 40, 7, 9], w: [24, 40, 1, 1], opts: {} },
  { name: 'pointwise nhwc grouped 3x5->3x4', path: 'pointwise', x: [1, 6, 5, 15], w: [12, 1, 1, 5], opts: { groups: 3, layout: 'nhwc' } },
  // 1x1, stride > 1, no padding, Cin per group > 16 (ResNet's downsample): the same GEMM on the
  // gathered positions. Odd sizes (the last row and column read), unequal strides, groups.
  { name: 'strided pointwise nhwc 40->24 /2', path: 'pointwise', x: [2, 9, 11, 40], w: [24, 1, 1, 40], opts: { stride: 2, layout: 'nhwc' } },
  { name: 'strided pointwise nchw 33->20 /(3, 2)', path: 'pointwise', x: [1, 33, 10, 7], w: [20, 33, 1, 1], opts: { stride: [3, 2] } },
  { name: 'strided pointwise nchw grouped 2x(20->9) /2', path: 'pointwise', x: [2, 40, 8, 9], w: [18, 20, 1, 1], opts: { stride: 2, groups: 2 } },
  // Depthwise (groups == Cin > 1): NCHW, NHWC multiplier 1, NHWC multiplier 2.
  { name: 'depthwise nchw x2 3x3/2', path: 'depthwise', x: [1, 19, 13, 11], w: [38, 1, 3, 3], opts: { groups: 19, stride: 2, padding: 1 } },
  { name: 'depthwise nhwc 5x5', path: 'depthwise', x: [2, 9, 10, 33], w: [33, 5, 5, 1], opts: { groups: 33, padding: 2, layout: 'nhwc' } },
  // 3x3 NHWC rows of 4 pixels at a time (and the rest one by one), full and masked channel blocks.
  { name: 'depthwise nhwc 3x3 40 channels 13x23', path: 'depthwise', x: [1, 13, 23, 40], w: [40, 3, 3, 1], opts: { groups: 40, padding: 1, layout: 'nhwc' } },
  { name: 'depthwise nhwc 3x3/2 48 channels batch 2', path: 'depthwise', x: [2, 15, 19, 48], w: [48, 3, 3, 1], opts: { groups: 48, stride: 2, padding: 1, layout: 'nhwc' } },
  { name: 'depthwise nhwc 5x5/2 80 channels 13x15', path: 'depthwise', x: [1, 13, 15, 80], w: [80, 5, 5, 1], opts: { groups: 80, stride: 2, padding: 2, layout: 'nhwc' } },
  { name: 'depthwise nhwc 5x5 64 channels 7x7', path: 'depthwise', x: [1, 7, 7, 64], w: [64, 5, 5, 1], opts: { groups: 64, padding: 2, layout: 'nhwc' } },
  // The K x K row kernel's edges: edge rows through the interior pixels' kernel with fewer
  // kernel rows, one edge column alone (its own taps), two or more by the per-pixel block;
  // interiors of 1-3 columns; images smaller than the kernel; asymmetric padding.
  { name: 'depthwise nhwc 3x3 pad (2, 0, 2, 0) 35 channels 9x10', path: 'depthwise', x: [1, 9, 10, 35], w: [35, 3, 3, 1], opts: { groups: 35, padding: [2, 0, 2, 0], layout: 'nhwc' } },
  { name: 'depthwise nhwc 5x5 pad 1 stride 2 49 channels 11x6', path: 'depthwise', x: [1, 11, 6, 49], w: [49, 5, 5, 1], opts: { groups: 49, padding: 1, stride: 2, layout: 'nhwc' } },
  { name: 'depthwise nhwc 5x5/3 pad 2 20 channels 8x9', path: 'depthwise', x: [2, 8, 9, 20], w: [20, 5, 5, 1], opts: { groups: 20, padding: 2, stride: 3, layout: 'nhwc' } },
  { name: 'depthwise nhwc 3x3 pad 1 on 2x1, 64 channels', path: 'depthwise', x: [1, 2, 1, 64], w: [64, 3, 3, 1], opts: { groups: 64, padding: 1, layout: 'nhwc' } },
  { name: 'depthwise nhwc 5x5 pad 2 on 3x4, 17 channels', path: 'depthwise', x: [1, 3, 4, 17], w: [17, 5, 5, 1], opts: { groups: 17, padding: 2, layout: 'nhwc' } },
  { name: 'depthwise nhwc 3x3 pad 1 on 6x6 (interior 4) and 5x7 (interior 5), 32 channels', path: 'depthwise', x: [1, 5, 7, 32], w: [32, 3, 3, 1], opts: { groups: 32, padding: 1, layout: 'nhwc' } },
  { name: 'depthwise nhwc x2 3x3', path: 'depthwise', x: [1, 8, 8, 7], w: [14, 3, 3, 1], opts: { groups: 7, padding: 1, layout: 'nhwc' } },
  // Padding far beyond the image with a huge stride: the padded copy would be mostly zeros.
  { name: 'ref: padding 200, stride 300', path: 'ref', x: [1, 2, 2, 2], w: [3, 2, 3, 3], opts: { padding: 200, stride: 300 } },
];
