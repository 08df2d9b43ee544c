// Classic image-processing kernels, as [k, k] tensors.
import { checkIntAtLeast, checkFinite } from './check';
import { rangeError } from './errors';
import { Tensor, tensor } from './tensor';

function square(op: string, k: unknown): number {
  const n = checkIntAtLeast(op, 'k', k, 1);
  if (n % 2 === 0) throw rangeError(op, `k must be odd so the kernel has a centre, got ${n}`);
  return n;
}

/**
 * Classic image-processing kernels, as `[k, k]` tensors for {@link filter2d} (or as conv2d
 * weights once reshaped to `[1, 1, k, k]`).
 */
export const filters = {
  /** Sobel horizontal gradient `[[-1,0,1],[-2,0,2],[-1,0,1]]` (3x3): responds to vertical edges. */
  sobelX(): Tensor { return tensor([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]); },
  /** Sobel vertical gradient `[[-1,-2,-1],[0,0,0],[1,2,1]]` (3x3): responds to horizontal edges. */
  sobelY(): Tensor { return tensor([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]); },
  /**
   * The k x k mean (box blur, the "average kernel"): every entry 1/k^2.
   * @param k - the size, an odd integer >= 1.
   */
  box(k: number): Tensor {
    const n = square('filters.box', k);
    return new Tensor(new Float32Array(n * n).fill(1 / (n * n)), [n, n]);
  },
  /**
   * A k x k Gaussian blur, normalised to sum 1.
   * @param k - the size, an odd integer >= 1.
   * @param sigma - the standard deviation, in pixels (> 0); default `0.3*((k-1)/2 - 1) + 0.8` (OpenCV's rule).
   */
  gaussian(k: number, sigma?: number): Tensor {
    const n = square('filters.gaussian', k);
    const s = sigma === undefined ? 0.3 * ((n - 1) / 2 - 1) + 0.8 : checkFinite('filters.gaussian', 'sigma', sigma);
    if (!(s > 0)) throw rangeError('filters.gaussian', `sigma must be > 0, got ${s}`);
    const r = (n - 1) / 2;
    const t = new Tensor(new Float32Array(n * n), [n, n]);
    let sum = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const v = Math.exp(-((i - r) ** 2 + (j - r) ** 2) / (2 * s * s));
      t.data[i * n + j] = v;
      sum += v;
    }
    for (let i = 0; i < t.data.length; i++) t.data[i] /= sum;
    return t;
  },
  /** The 4-neighbour Laplacian `[[0,1,0],[1,-4,1],[0,1,0]]` (3x3): second derivative, responds to edges in every direction. */
  laplacian(): Tensor { return tensor([[0, 1, 0], [1, -4, 1], [0, 1, 0]]); },
  /** Sharpening `[[0,-1,0],[-1,5,-1],[0,-1,0]]` (3x3): the image plus its negated Laplacian. */
  sharpen(): Tensor { return tensor([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]); },
};
