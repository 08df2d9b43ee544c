// nn.Dropout, nn.ConvTranspose2d, nn.Upsample, nn.AdaptiveAvgPool2d: the functional ops as layers.
import { checkOptions } from '../check';
import { rangeError } from '../errors';
import { convTranspose2d, type ConvTranspose2dOptions } from '../ops/conv-transpose2d';
import { dropout } from '../ops/dropout';
import { upsample2d, type Upsample2dOptions } from '../ops/upsample2d';
import { adaptiveAvgPool2d } from '../ops/adaptive-pool2d';
import type { Layout } from '../shape/conv2d-info';
import { Tensor } from '../tensor';
import { initConvLayer } from './conv2d';
import { Module } from './module';

/**
 * Zeroes each element with probability p in training mode and scales the rest by 1/(1-p)
 * (torch.nn.Dropout); the identity in eval mode.
 */
export class Dropout extends Module {
  /**
   * Creates the layer.
   * @param p - the probability of zeroing an element, in [0, 1]. Default 0.5.
   */
  constructor(
    /** The probability of zeroing an element. */
    readonly p = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw rangeError('nn.Dropout', `p must be in [0, 1], got ${String(p)}`);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, { p: this.p, training: this.training });
  }

  override describe(): string { return `Dropout(p ${this.p})`; }
}

/** Options of {@link ConvTranspose2d}: {@link ConvTranspose2dOptions} without the bias tensor, and whether there is one. */
export interface ConvTranspose2dLayerOptions extends Omit<ConvTranspose2dOptions, 'bias'> {
  /** Whether the layer learns a bias `[outChannels]`. Default true. */
  bias?: boolean;
}

/**
 * A transposed convolution layer (torch.nn.ConvTranspose2d): weight `[inChannels,
 * outChannels/groups, kh, kw]`, PyTorch's default initialization.
 */
export class ConvTranspose2d extends Module {
  /** The weight (a parameter), `[inChannels, outChannels/groups, kh, kw]`. */
  readonly weight: Tensor;
  /** The bias `[outChannels]` (a parameter), or null with `{ bias: false }`. */
  readonly bias: Tensor | null;
  private readonly opts: Omit<ConvTranspose2dOptions, 'bias'>;

  /**
   * Creates the layer with PyTorch's default initialization ({@link manualSeed} makes it reproducible).
   * @param inChannels - channels of the input.
   * @param outChannels - channels of the output.
   * @param kernelSize - one number or `[kh, kw]`.
   * @param options - stride, padding, outputPadding, dilation, groups, layout, bias.
   */
  constructor(
    /** Channels of the input. */
    readonly inChannels: number,
    /** Channels of the output. */
    readonly outChannels: number,
    kernelSize: number | [number, number], options?: ConvTranspose2dLayerOptions) {
    super();
    const op = 'nn.ConvTranspose2d';
    const o = checkOptions(op, options, ['stride', 'padding', 'outputPadding', 'dilation', 'groups', 'layout', 'bias']) as ConvTranspose2dLayerOptions;
    const { groups, layout, weight, bias } = initConvLayer(op, inChannels, outChannels, kernelSize, o, true);
    this.weight = weight;
    this.bias = bias;
    const { bias: _b, ...geometry } = o;
    this.opts = { ...geometry, groups, layout };
  }

  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, { ...this.opts, bias: this.bias });
  }

  override describe(): string {
    return `ConvTranspose2d(${this.inChannels}, ${this.outChannels}${this.opts.stride !== undefined ? `, stride ${JSON.stringify(this.opts.stride)}` : ''})`;
  }
}

/** Resizes images by a scale or to a size, nearest or bilinear (torch.nn.Upsample). */
export class Upsample extends Module {
  private readonly opts: Upsample2dOptions;

  /**
   * Creates the layer (no parameters).
   * @param options - `scale` or `size`, `mode` ('nearest' default, or 'bilinear'), `alignCorners`, `layout`.
   */
  constructor(options: Upsample2dOptions) {
    super();
    this.opts = { mode: 'nearest', ...checkOptions('nn.Upsample', options, ['scale', 'size', 'mode', 'alignCorners', 'layout']) } as Upsample2dOptions;
  }

  forward(x: Tensor): Tensor {
    return upsample2d(x, this.opts);
  }

  override describe(): string { return `Upsample(${JSON.stringify(this.opts)})`; }
}

/** Average pooling to a fixed output size (torch.nn.AdaptiveAvgPool2d). */
export class AdaptiveAvgPool2d extends Module {
  /**
   * Creates the layer (no parameters).
   * @param outputSize - `[oh, ow]` or one number for both.
   * @param options - `layout` of the input (default 'nchw').
   */
  constructor(
    /** The output's `[oh, ow]`, or one number for both. */
    readonly outputSize: number | [number, number], private readonly options: {
    /** The input's layout (default 'nchw'). */
    layout?: Layout;
  } = {}) {
    super();
    checkOptions('nn.AdaptiveAvgPool2d', options, ['layout']);
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize, this.options);
  }

  override describe(): string { return `AdaptiveAvgPool2d(${JSON.stringify(this.outputSize)})`; }
}
