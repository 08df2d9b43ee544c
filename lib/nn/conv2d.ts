// nn.Conv2d: weight [out, in/groups, kh, kw] (OIHW; OHWI with layout 'nhwc'), bias [out].
import { checkIntAtLeast, checkOptions, checkPair } from '../check';
import { rangeError } from '../errors';
import { conv2dPackKey, type PackedConv2dWeights } from '../backend/backend';
import { backend } from '../backend/select';
import { convRunsBf16, convRunsInt8 } from '../ops/bf16-where-it-pays';
import { conv2d, conv2dAsync, conv2dWithPacked } from '../ops/conv2d';
import { CONV2D_GEOMETRY_KEYS, type Conv2dGeometryOptions, type Conv2dInfo, type Layout } from '../shape/conv2d-info';
import { conv2dOutputShape } from '../shape/public';
import { Tensor, zeros } from '../tensor';
import { fillUniform } from './init';
import { Module, parameter } from './module';

/** Options of {@link Conv2d}: the geometry of {@link Conv2dOptions}, and whether there is a bias. */
export interface Conv2dLayerOptions extends Conv2dGeometryOptions {
  /** Whether the layer learns a bias `[outChannels]`. Default true. */
  bias?: boolean;
}

/**
 * What the convolution layers' constructors share (nn.Conv2d, nn.ConvTranspose2d): checks the
 * channels, kernel size and groups, and creates the weight and the bias (null with
 * `bias: false`) with PyTorch's default initialization, uniform in ±1/sqrt(fanIn). The weight
 * is `[d0, d1, kh, kw]` (nchw) or `[d0, kh, kw, d1]` (nhwc) with fanIn = d1 * kh * kw: d0 =
 * outChannels and d1 = inChannels/groups, or for a transposed convolution d0 = inChannels and
 * d1 = outChannels/groups.
 */
export function initConvLayer(op: string, inChannels: number, outChannels: number, kernelSize: number | [number, number],
  o: { groups?: number; layout?: Layout; bias?: boolean }, transposed: boolean) {
  checkIntAtLeast(op, 'inChannels', inChannels, 1);
  checkIntAtLeast(op, 'outChannels', outChannels, 1);
  const [kh, kw] = checkPair(op, 'kernelSize', kernelSize, 1, 1);
  const groups = o.groups ?? 1;
  checkIntAtLeast(op, 'groups', groups, 1);
  if (inChannels % groups || outChannels % groups) {
    throw rangeError(op, `groups ${groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`);
  }
  const layout: Layout = o.layout ?? 'nchw';
  const [d0, d1] = transposed ? [inChannels, outChannels / groups] : [outChannels, inChannels / groups];
  const w = zeros(layout === 'nhwc' ? [d0, kh, kw, d1] : [d0, d1, kh, kw]);
  const bound = 1 / Math.sqrt(d1 * kh * kw);
  fillUniform(w.data, bound);
  const bias = o.bias === false ? null : parameter(zeros([outChannels]));
  if (bias) fillUniform(bias.data, bound);
  return { groups, layout, weight: parameter(w), bias };
}

/**
 * A 2-D convolution layer (cross-correlation, as torch.nn.Conv2d), with PyTorch's default
 * initialization: weight and bias uniform in ±1/sqrt(inChannels/groups * kh * kw).
 * forward: x `[N, inChannels, H, W]` (nchw, default) or `[N, H, W, inChannels]` (nhwc) ->
 * `[N, outChannels, OH, OW]` or `[N, OH, OW, outChannels]`.
 * @example
 * ```ts
 * const conv = new nn.Conv2d(3, 8, 5, { padding: 2 });   // 8 filters of 5x5x3
 * conv.forward(zeros([1, 3, 64, 64])).shape;             // [1, 8, 64, 64]
 * ```
 */
export class Conv2d extends Module {
  /** The filters (a parameter): `[outChannels, inChannels/groups, kh, kw]` (nchw) or `[outChannels, kh, kw, inChannels/groups]` (nhwc). */
  readonly weight: Tensor;
  /** The bias `[outChannels]` (a parameter), or null with `{ bias: false }`. */
  readonly bias: Tensor | null;
  private readonly opts: Conv2dGeometryOptions & { groups: number; layout: Layout };

  /**
   * Creates the layer with freshly initialized weight and bias ({@link manualSeed} makes them reproducible).
   * @param inChannels - channels of the input (Cin).
   * @param outChannels - channels of the output, the number of filters (Cout).
   * @param kernelSize - filter size in pixels, one number or `[kh, kw]`.
   * @param options - stride, padding, dilation, groups, layout, bias; see {@link Conv2dLayerOptions}.
   */
  constructor(
    /** Channels of the input (Cin). */
    readonly inChannels: number,
    /** Channels of the output, the number of filters (Cout). */
    readonly outChannels: number,
    kernelSize: number | [number, number], options?: Conv2dLayerOptions) {
    super();
    const o = checkOptions('nn.Conv2d', options, [...CONV2D_GEOMETRY_KEYS, 'bias']) as Conv2dLayerOptions;
    const { groups, layout, weight, bias } = initConvLayer('nn.Conv2d', inChannels, outChannels, kernelSize, o, false);
    this.weight = weight;
    this.bias = bias;
    this.opts = { stride: o.stride, padding: o.padding, dilation: o.dilation, groups, layout };
  }

  /**
   * The weight converted and packed for eval-mode bf16 or int8 forwards, by backend and input geometry
   * (conv2dPackKey); non-enumerable. Emptied by dropPacked.
   * @internal
   */
  declare private readonly packed: Map<string, PackedConv2dWeights>;

  private convOpts() {
    return { ...this.opts, bias: this.bias };
  }

  /** [kh, kw] of the weight (OIHW, or OHWI with layout 'nhwc'). */
  private kernelSize(): [number, number] {
    const s = this.weight.shape;
    return this.opts.layout === 'nhwc' ? [s[1], s[2]] : [s[2], s[3]];
  }

  /** Whether bf16 pays for this layer (convRunsBf16) once setPrecision('bf16') is set. */
  private bf16Pays(): boolean {
    const [kernelH, kernelW] = this.kernelSize();
    const st = this.opts.stride ?? 1, [strideH, strideW] = typeof st === 'number' ? [st, st] : st;
    return convRunsBf16({ kernelH, kernelW, strideH, strideW, inChannels: this.inChannels, groups: this.opts.groups, layout: this.opts.layout });
  }

  /** Whether int8 runs this layer (convRunsInt8) once setPrecision('int8') is set. */
  private int8Runs(): boolean {
    const [kernelH, kernelW] = this.kernelSize();
    return convRunsInt8({ kernelH, kernelW, strideH: 1, strideW: 1, inChannels: this.inChannels, groups: this.opts.groups, layout: this.opts.layout });
  }

  /** The low precision this forward runs on (eval mode, setPrecision, and the layer takes it), else null. */
  private lowPrecision(): 'bf16' | 'int8' | null {
    if (this.training) return null;
    if (this.precision === 'bf16' && this.bf16Pays()) return 'bf16';
    if (this.precision === 'int8' && this.int8Runs()) return 'int8';
    return null;
  }

  forward(x: Tensor): Tensor {
    const low = this.lowPrecision();
    if (low === null) return conv2d(x, this.weight, this.convOpts());
    // The weight packed once per input shape; gradients (a recording call) as conv2d's.
    return conv2dWithPacked(x, this.weight, this.convOpts(), (info) => this.packedFor(info, low));
  }

  override forwardAsync(x: Tensor): Promise<Tensor> {
    const low = this.lowPrecision();
    return conv2dAsync(x, this.weight, low !== null ? { ...this.convOpts(), precision: low } : this.convOpts());
  }

  /** The weight packed for info and precision (by the current backend), packed on first use. */
  private packedFor(info: Conv2dInfo, precision: 'bf16' | 'int8'): PackedConv2dWeights {
    if (this.packed === undefined) Object.defineProperty(this, 'packed', { value: new Map(), enumerable: false });
    const be = backend(), key = `${be.name}:${conv2dPackKey(info)}`;
    let pw = this.packed.get(key);
    if (pw === undefined) {
      // A server sees few input shapes; past 8, start again rather than grow without bound.
      if (this.packed.size >= 8) this.packed.clear();
      // Another shape's packing offered as `like`: the backend shares its panels where they are
      // the same (they do not depend on the batch or the spatial size), as onnx.load's plans do.
      const like = [...this.packed.values()].find((q) => q.backend === be.name);
      pw = be.conv2dPrepack(this.weight.data, info, precision, like);
      this.packed.set(key, pw);
    }
    return pw;
  }

  protected override dropPacked(): void {
    this.packed?.clear();
  }

  /** The output shape for an input shape, checked as forward would check it. */
  outputShape(inputShape: readonly number[]): number[] {
    return conv2dOutputShape(inputShape, this.weight.shape, this.opts);
  }

  override describe(): string {
    const [kh, kw] = this.kernelSize();
    const extra = [
      this.opts.stride !== undefined ? `stride ${JSON.stringify(this.opts.stride)}` : '',
      this.opts.padding !== undefined ? `padding ${JSON.stringify(this.opts.padding)}` : '',
      this.opts.groups !== 1 ? `groups ${this.opts.groups}` : '',
      this.precision === 'bf16' && this.bf16Pays() ? 'bf16 in eval' : '',
      this.precision === 'int8' && this.int8Runs() ? 'int8 in eval' : '',
    ].filter(Boolean);
    return `Conv2d(${this.inChannels}, ${this.outChannels}, kernel ${kh}x${kw}${extra.length ? `, ${extra.join(', ')}` : ''})`;
  }
}
