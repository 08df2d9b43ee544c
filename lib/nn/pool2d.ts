// nn.MaxPool2d, nn.AvgPool2d, nn.GlobalAvgPool2d, nn.GlobalMaxPool2d.
import { avgPool2d, avgPool2dAsync, globalAvgPool2d, globalMaxPool2d, maxPool2d, maxPool2dAsync } from '../ops/pool2d';
import type { Layout } from '../shape/conv2d-info';
import { POOL2D_KEYS, type Pool2dOptions } from '../shape/pool2d-info';
import { checkOptions } from '../check';
import { pool2dOutputShape } from '../shape/public';
import { Tensor } from '../tensor';
import { Module } from './module';

/** The pooling options of {@link Pool2dOptions} but the kernel, which the layer takes as its first argument. */
type PoolLayerOptions = Omit<Pool2dOptions, 'kernel'>;

// What differs between the two windowed pools: the ops they run and the names in their errors.
interface PoolKind {
  layer: string; op: string;
  forward: typeof maxPool2d; forwardAsync: typeof maxPool2dAsync;
}
const MAX: PoolKind = { layer: 'MaxPool2d', op: 'maxPool2d', forward: maxPool2d, forwardAsync: maxPool2dAsync };
const AVG: PoolKind = { layer: 'AvgPool2d', op: 'avgPool2d', forward: avgPool2d, forwardAsync: avgPool2dAsync };

/** What nn.MaxPool2d and nn.AvgPool2d share: the options kept for every call. */
abstract class Pool2d extends Module {
  /** The pooling options, kept for every call. */
  protected readonly opts: Pool2dOptions;

  /** Checks the options (all but the kernel) and keeps them. */
  constructor(private readonly kind: PoolKind, kernel: number | [number, number], options?: PoolLayerOptions) {
    super();
    const o = checkOptions(`nn.${kind.layer}`, options, POOL2D_KEYS.filter((k) => k !== 'kernel'));
    this.opts = { ...o, kernel } as Pool2dOptions;
  }

  forward(x: Tensor): Tensor {
    return this.kind.forward(x, this.opts);
  }

  override forwardAsync(x: Tensor): Promise<Tensor> {
    return this.kind.forwardAsync(x, this.opts);
  }

  /** The output shape for an input shape, checked as forward would check it. */
  outputShape(inputShape: readonly number[]): number[] {
    return pool2dOutputShape(inputShape, this.opts);
  }

  override describe(): string {
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

/** What nn.GlobalAvgPool2d and nn.GlobalMaxPool2d share: the layout option and the one op. */
abstract class GlobalPool2d extends Module {
  /**
   * Checks the options and keeps them with the op.
   * @param layer - the layer's name in errors.
   * @param pool - the op forward runs.
   * @param options - `layout` of the input (default 'nchw').
   */
  constructor(layer: string, private readonly pool: typeof globalAvgPool2d, private readonly options: {
    /** The input's layout (default 'nchw'). */
    layout?: Layout;
  }) {
    super();
    checkOptions(`nn.${layer}`, options, ['layout']);
  }

  forward(x: Tensor): Tensor {
    return this.pool(x, this.options);
  }
}

/** Mean over each channel's plane, keeping H = W = 1 (torch.nn.AdaptiveAvgPool2d(1)). */
export class GlobalAvgPool2d extends GlobalPool2d {
  /**
   * Creates the layer (no parameters).
   * @param options - `layout` of the input (default 'nchw').
   */
  constructor(options: {
    /** The input's layout (default 'nchw'). */
    layout?: Layout;
  } = {}) {
    super('GlobalAvgPool2d', globalAvgPool2d, options);
  }
}

/** Maximum over each channel's plane, keeping H = W = 1 (torch.nn.AdaptiveMaxPool2d(1)). */
export class GlobalMaxPool2d extends GlobalPool2d {
  /**
   * Creates the layer (no parameters).
   * @param options - `layout` of the input (default 'nchw').
   */
  constructor(options: {
    /** The input's layout (default 'nchw'). */
    layout?: Layout;
  } = {}) {
    super('GlobalMaxPool2d', globalMaxPool2d, options);
  }
}
