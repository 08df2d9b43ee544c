// nn.MaxPool2d, nn.AvgPool2d, nn.GlobalAvgPool2d.
import { avgPool2d, avgPool2dAsync, avgPool2dBackward, globalAvgPool2d, maxPool2d, maxPool2dAsync, maxPool2dBackward } from '../ops/pool2d';
import type { Layout } from '../shape/conv2d-info';
import { POOL2D_KEYS, type Pool2dOptions } from '../shape/pool2d-info';
import { checkOptions } from '../check';
import { pool2dOutputShape } from '../shape/public';
import { checkTensor, Tensor } from '../tensor';
import { rangeError, shapeStr } from '../errors';
import { cached, Module } from './module';

/** The pooling options of {@link Pool2dOptions} but the kernel, which the layer takes as its first argument. */
type PoolLayerOptions = Omit<Pool2dOptions, 'kernel'>;

// What differs between the two windowed pools: the ops they run and the names in their errors.
interface PoolKind {
  layer: string; op: string;
  forward: typeof maxPool2d; forwardAsync: typeof maxPool2dAsync; backward: typeof maxPool2dBackward;
}
const MAX: PoolKind = { layer: 'MaxPool2d', op: 'maxPool2d', forward: maxPool2d, forwardAsync: maxPool2dAsync, backward: maxPool2dBackward };
const AVG: PoolKind = { layer: 'AvgPool2d', op: 'avgPool2d', forward: avgPool2d, forwardAsync: avgPool2dAsync, backward: avgPool2dBackward };

/** What nn.MaxPool2d and nn.AvgPool2d share: options kept for every call, the input kept for backward. */
abstract class Pool2d extends Module {
  /** The options every call passes to the pooling op. */
  protected readonly opts: Pool2dOptions;
  /** The input of the last training-mode forward, for backward. */
  protected input: Tensor | null = null;

  /** Keeps the options, with the kernel, for every call. */
  constructor(private readonly kind: PoolKind, kernel: number | [number, number], options?: PoolLayerOptions) {
    super();
    const o = checkOptions(`nn.${kind.layer}`, options, POOL2D_KEYS.filter((k) => k !== 'kernel'));
    this.opts = { ...o, kernel } as Pool2dOptions;
  }

  forward(x: Tensor): Tensor {
    const xt = checkTensor(this.kind.op, 'x', x);
    this.input = this.training ? xt : null;
    return this.kind.forward(xt, this.opts);
  }

  override forwardAsync(x: Tensor): Promise<Tensor> {
    try {
      const xt = checkTensor(`${this.kind.op}Async`, 'x', x);
      this.input = this.training ? xt : null;
      return this.kind.forwardAsync(xt, this.opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  backward(dy: Tensor): Tensor {
    return this.kind.backward(dy, cached(this.kind.layer, this.input), this.opts);
  }

  outputShape(inputShape: readonly number[]): number[] {
    return pool2dOutputShape(inputShape, this.opts);
  }

  describe(): string {
    const k = this.opts.kernel;
    const stride = this.opts.stride !== undefined ? `, stride ${JSON.stringify(this.opts.stride)}` : '';
    return `${this.kind.layer}(kernel ${Array.isArray(k) ? k.join('x') : `${k}x${k}`}${stride})`;
  }
}

/**
 * Max pooling layer (torch.nn.MaxPool2d): x `[N, C, H, W]` (or nhwc) -> `[N, C, OH, OW]`.
 * See {@link maxPool2d}.
 */
export class MaxPool2d extends Pool2d {
  /**
   * Creates the layer (no parameters).
   * @param kernel - window size in pixels, one number or `[kh, kw]`.
   * @param options - stride (default: the kernel), padding, dilation, ceilMode, layout; see {@link Pool2dOptions}.
   */
  constructor(kernel: number | [number, number], options?: PoolLayerOptions) {
    super(MAX, kernel, options);
  }
}

/**
 * Average pooling layer (torch.nn.AvgPool2d): x `[N, C, H, W]` (or nhwc) -> `[N, C, OH, OW]`.
 * See {@link avgPool2d}.
 */
export class AvgPool2d extends Pool2d {
  /**
   * Creates the layer (no parameters).
   * @param kernel - window size in pixels, one number or `[kh, kw]`.
   * @param options - stride (default: the kernel), padding, ceilMode, countIncludePad, layout; see {@link Pool2dOptions}.
   */
  constructor(kernel: number | [number, number], options?: PoolLayerOptions) {
    super(AVG, kernel, options);
  }
}

/** Global average pooling: the mean over H and W, keeping H = W = 1 (like torch.nn.AdaptiveAvgPool2d(1)): `[N, C, H, W]` -> `[N, C, 1, 1]` (nhwc: `[N, 1, 1, C]`). */
export class GlobalAvgPool2d extends Module {
  private inputShape: readonly number[] | null = null;

  /**
   * Creates the layer (no parameters).
   * @param options - `layout`: 'nchw' (default) or 'nhwc'.
   */
  constructor(private readonly options: {
    /** Memory order of x: 'nchw' (default) or 'nhwc'. */
    layout?: Layout;
  } = {}) {
    super();
    checkOptions('nn.GlobalAvgPool2d', options, ['layout']);
  }

  forward(x: Tensor): Tensor {
    const xt = checkTensor('globalAvgPool2d', 'x', x);
    this.inputShape = this.training ? xt.shape : null;
    return globalAvgPool2d(xt, this.options);
  }

  backward(dyIn: Tensor): Tensor {
    const shape = cached('GlobalAvgPool2d', this.inputShape);
    const dy = checkTensor('GlobalAvgPool2d.backward', 'dy', dyIn);
    const nhwc = this.options.layout === 'nhwc';
    const rank3 = shape.length === 3;
    const [n, c, h, w] = rank3 ? (nhwc ? [1, shape[2], shape[0], shape[1]] : [1, ...shape]) : nhwc ? [shape[0], shape[3], shape[1], shape[2]] : shape;
    if (dy.size !== n * c) throw rangeError('GlobalAvgPool2d.backward', `dy ${shapeStr(dy.shape)} must hold ${n * c} values`);
    const dx = new Tensor(new Float32Array(n * c * h * w), shape);
    const scale = 1 / (h * w);
    for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) {
      const g = dy.data[b * c + ch] * scale;
      for (let i = 0; i < h * w; i++) dx.data[nhwc ? (b * h * w + i) * c + ch : (b * c + ch) * h * w + i] = g;
    }
    return dx;
  }

  outputShape(inputShape: readonly number[]): number[] {
    const s = [...inputShape];
    if (s.length !== 4 && s.length !== 3) throw rangeError('nn.GlobalAvgPool2d', `input must be rank 4 (or 3), got ${shapeStr(s)}`);
    const nhwc = this.options.layout === 'nhwc';
    const off = s.length - 4;
    if (nhwc) { s[1 + off] = 1; s[2 + off] = 1; } else { s[2 + off] = 1; s[3 + off] = 1; }
    return s;
  }

  describe(): string {
    return 'GlobalAvgPool2d()';
  }
}
