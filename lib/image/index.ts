// The image namespace: PNG files and feature-map tiling.
import { readPng, writePng } from './png';
import { tile } from './tile';

/** Images in and out: PNG files as `[H, W, C]` tensors in 0..1, and feature maps tiled into one picture. */
export const image = {
  /**
   * Reads a PNG file as `[H, W, C]` float32 in 0..1 (layout 'nhwc'): C = 1 grey, 2 grey + alpha,
   * 3 RGB, 4 RGBA. `opts.maxPixels` caps W*H (default 100 million), checked before decoding.
   */
  readPng,
  /**
   * Writes `[H, W]` or `[H, W, 1|3|4]` as a PNG file. Values are clamped to 0..1, or with
   * `opts.normalize` stretched from [min, max] to 0..1 (for feature maps and edge responses).
   */
  writePng,
  /**
   * One grey `[H', W']` picture of many maps: `[K, H, W]` or `[N, K, H, W]` (first image), each
   * map stretched to 0..1 alone, on a grid of `opts.columns` (default ceil(sqrt(K))) with 1-pixel gaps.
   */
  tile,
};
