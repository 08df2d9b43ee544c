// nn.MaxPool2d, nn.AvgPool2d, nn.GlobalAvgPool2d.
import { avgPool2d, avgPool2dAsync, avgPool2dBackward, globalAvgPool2d, maxPool2d, maxPool2dAsync, maxPool2dBackward } from '../ops/pool2d';
import type { Layout } from '../shape/conv2d-info';
import type { Pool2dOptions } from '../shape/pool2d-info';
import { pool2dOutputShape } from '../shape/public';
import { checkTensor, Tensor } from '../tensor';
import { rangeError, shapeStr } from '../errors';
import { cached, Module } from './module';

type PoolLayerOptions = Omit<Pool2dOptions, 'kernel'>;

abstract class Pool2d extends Module {
  protected readonly opts: Pool2dOptions;
  protected input: Tensor | null = null;

  constructor(kernel: number | [number, number], options?: PoolLayerOptions) {
    super();
    this.opts = { ...(options ?? {}), kernel };
  }

  outputShape(inputShape: readonly number[]): number[] {
    return pool2dOutputShape(inputShape, this.opts);
  }

  protected label(): string {
    const k = this.opts.kernel;
    return `kernel ${Array.isArray(k) ? k.join('x') : `${k}x${k}`}${this.opts.stride !== undefined ? `, stride ${JSON.stringify(this.opts.stride)}` : ''}`;
  }
}

export class MaxPool2d extends Pool2d {
  forward(x: Tensor): Tensor {
    const xt = checkTensor('maxPool2d', 'x', x);
    this.input = this.training ? xt : null;
    return maxPool2d(xt, this.opts);
  }
  override forwardAsync(x: Tensor): Promise<Tensor> {
    try {
      const xt = checkTensor('maxPool2dAsync', 'x', x);
      this.input = this.training ? xt : null;
      return maxPool2dAsync(xt, this.opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  backward(dy: Tensor): Tensor {
    return maxPool2dBackward(dy, cached('MaxPool2d', this.input), this.opts);
  }
  describe(): string {
    return `MaxPool2d(${this.label()})`;
  }
}

export class AvgPool2d extends Pool2d {
  forward(x: Tensor): Tensor {
    const xt = checkTensor('avgPool2d', 'x', x);
    this.input = this.training ? xt : null;
    return avgPool2d(xt, this.opts);
  }
  override forwardAsync(x: Tensor): Promise<Tensor> {
    try {
      const xt = checkTensor('avgPool2dAsync', 'x', x);
      this.input = this.training ? xt : null;
      return avgPool2dAsync(xt, this.opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  backward(dy: Tensor): Tensor {
    return avgPool2dBackward(dy, cached('AvgPool2d', this.input), this.opts);
  }
  describe(): string {
    return `AvgPool2d(${this.label()})`;
  }
}

/** Mean over H and W, keeping H = W = 1 (like nn.AdaptiveAvgPool2d(1)). */
export class GlobalAvgPool2d extends Module {
  private inputShape: readonly number[] | null = null;

  constructor(private readonly options: { layout?: Layout } = {}) {
    super();
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
