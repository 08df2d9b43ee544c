// tile: one picture of many feature maps or filters, each normalized alone, on a grid.
import { checkTensor, Tensor } from '../tensor';
import { rangeError, shapeStr } from '../errors';
import { checkIntAtLeast, checkOptions } from '../check';

/**
 * maps: [K, H, W] or [N, K, H, W] (nchw, first image) -> one [rows*(H+1)-1, cols*(W+1)-1]
 * grey image in 0..1, maps separated by 1-pixel gaps; each map is stretched to 0..1 alone.
 */
export function tile(maps: Tensor, opts?: {
  /** Maps per row of the grid. Default ceil(sqrt(K)). */
  columns?: number;
}): Tensor {
  const op = 'image.tile';
  const t = checkTensor(op, 'maps', maps);
  let m: Tensor;
  if (t.rank === 4) m = new Tensor(t.data.subarray(0, t.shape[1] * t.shape[2] * t.shape[3]), t.shape.slice(1));
  else if (t.rank === 3) m = t;
  else if (t.rank === 2) m = t.reshape([1, ...t.shape]);
  else throw rangeError(op, `maps must be [K, H, W] or [N, K, H, W], got ${shapeStr(t.shape)}`);
  const [k, h, w] = m.shape;
  if (k < 1 || h < 1 || w < 1) throw rangeError(op, `maps must not be empty, got ${shapeStr(t.shape)}`);
  const o = checkOptions(op, opts, ['columns']);
  const cols = o.columns === undefined ? Math.ceil(Math.sqrt(k)) : checkIntAtLeast(op, 'columns', o.columns, 1);
  const rows = Math.ceil(k / cols);
  const H = rows * (h + 1) - 1;
  const W = cols * (w + 1) - 1;
  const out = new Float32Array(H * W).fill(1);
  for (let i = 0; i < k; i++) {
    const src = m.data.subarray(i * h * w, (i + 1) * h * w);
    let min = Infinity;
    let max = -Infinity;
    for (const v of src) { if (v < min) min = v; if (v > max) max = v; }
    const s = max > min ? 1 / (max - min) : 0;
    const r0 = Math.floor(i / cols) * (h + 1);
    const c0 = (i % cols) * (w + 1);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(r0 + y) * W + c0 + x] = (src[y * w + x] - min) * s;
  }
  return new Tensor(out, [H, W]);
}
