// convTranspose2d: the gradient of conv2d with respect to its input, as a layer op. It runs on
// the backends' conv2dBackwardData through the Conv2dInfo of the "forward" convolution whose
// input is this op's output and whose output is this op's input.
import { backend } from '../backend/select';
import { rangeError, shapeStr } from '../errors';
import { checkIntAtLeast, checkOneOf, checkOptions, checkPair } from '../check';
import { allocate } from '../alloc';
import { checkTensor, Tensor } from '../tensor';
import { metaOf, needsGrad, record } from '../autograd/record';
import { type Conv2dInfo, conv2dInfo, LAYOUTS, type Layout } from '../shape/conv2d-info';
import { addBatch, conv2d, conv2dBackward } from './conv2d';

/** Options of {@link convTranspose2d} (PyTorch's `conv_transpose2d`). */
export interface ConvTranspose2dOptions {
  /** Step of the corresponding forward convolution, one number or `[sh, sw]`. Default 1. */
  stride?: number | [number, number];
  /** Implicit zeros the forward convolution had on each side: `p` or `[ph, pw]`; they are cropped from the output. Default 0. */
  padding?: number | [number, number];
  /** Extra rows and columns added to the output on the bottom and right: `op` or `[oh, ow]`, each smaller than the stride. Default 0. */
  outputPadding?: number | [number, number];
  /** Spacing between kernel taps, one number or `[dh, dw]`. Default 1. */
  dilation?: number | [number, number];
  /** Channel groups; must divide Cin and Cout. Default 1. */
  groups?: number;
  /** Added to every output pixel of each output channel: `[Cout]`. Default none. */
  bias?: Tensor | null;
  /** Memory order of x, w and the output: `'nchw'` (default) or `'nhwc'`. */
  layout?: Layout;
}

const KEYS = ['stride', 'padding', 'outputPadding', 'dilation', 'groups', 'bias', 'layout'] as const;

/** The forward geometry as conv2d options (no bias). */
interface Geometry { stride: [number, number]; padding: [number, number, number, number]; dilation: [number, number]; groups: number; layout: Layout }

interface Prepared { info: Conv2dInfo; geometry: Geometry; xt: Tensor; wt: Tensor; x4: Tensor; bias: Tensor | null; rank3: boolean; yShape: number[] }

function prepare(op: string, x: unknown, w: unknown, opts: unknown): Prepared {
  const xt = checkTensor(op, 'x', x);
  const wt = checkTensor(op, 'w', w);
  const o = checkOptions(op, opts, KEYS);
  const bias = o.bias === undefined || o.bias === null ? null : checkTensor(op, 'bias', o.bias);
  const layout = checkOneOf(op, 'layout', o.layout, LAYOUTS, 'nchw');
  const stride = checkPair(op, 'stride', o.stride, 1, 1);
  const dilation = checkPair(op, 'dilation', o.dilation, 1, 1);
  const [ph, pw] = checkPair(op, 'padding', o.padding, 0, 0);
  const [oph, opw] = checkPair(op, 'outputPadding', o.outputPadding, 0, 0);
  const groups = o.groups === undefined ? 1 : checkIntAtLeast(op, 'groups', o.groups, 1);
  const { t4: x4, rank3 } = addBatch(op, 'x', xt);
  const nhwc = layout === 'nhwc';
  const wDesc = nhwc ? '[Cin, KH, KW, Cout/groups]' : '[Cin, Cout/groups, KH, KW]';
  if (wt.rank !== 4) throw rangeError(op, `w must be rank 4 ${wDesc}, got w ${shapeStr(wt.shape)}`);
  const [n, cin, h, wd] = nhwc ? [x4.shape[0], x4.shape[3], x4.shape[1], x4.shape[2]] : x4.shape;
  const [wCin, coutG, kh, kw] = nhwc ? [wt.shape[0], wt.shape[3], wt.shape[1], wt.shape[2]] : wt.shape;
  const shapes = `(x ${shapeStr(xt.shape)}, w ${shapeStr(wt.shape)}, groups ${groups}, layout ${layout})`;
  if (n < 1 || cin < 1 || h < 1 || wd < 1) throw rangeError(op, `x must not be empty ${shapes}`);
  if (coutG < 1 || kh < 1 || kw < 1) throw rangeError(op, `w must have at least one output channel and kernel cell ${shapes}`);
  if (wCin !== cin) throw rangeError(op, `x has ${cin} channels but w expects ${wCin} (w is ${wDesc}) ${shapes}`);
  if (cin % groups !== 0) throw rangeError(op, `x has ${cin} channels, not divisible by groups ${groups} ${shapes}`);
  if (oph >= stride[0] || opw >= stride[1]) {
    throw rangeError(op, `outputPadding [${oph}, ${opw}] must be smaller than the stride [${stride[0]}, ${stride[1]}] ${shapes}`);
  }
  const cout = coutG * groups;
  const oh = (h - 1) * stride[0] - 2 * ph + dilation[0] * (kh - 1) + oph + 1;
  const ow = (wd - 1) * stride[1] - 2 * pw + dilation[1] * (kw - 1) + opw + 1;
  if (oh < 1 || ow < 1) {
    throw rangeError(op, `output would be ${Math.max(oh, 0)}x${Math.max(ow, 0)}: (in - 1)*stride - 2*padding + dilation*(k - 1) + outputPadding + 1 < 1 ${shapes}`);
  }
  const yShape4 = nhwc ? [n, oh, ow, cout] : [n, cout, oh, ow];
  const geometry: Geometry = { stride, padding: [ph, ph, pw, pw], dilation, groups, layout };
  // The forward convolution: input = our output, weight [Cin, Cout/groups, ...] read as OIHW / OHWI.
  const info = conv2dInfo(op, yShape4, wt.shape, geometry, null);
  if (info.outHeight !== h || info.outWidth !== wd) {
    throw rangeError(op, `internal: the forward convolution gives ${info.outHeight}x${info.outWidth}, not ${h}x${wd} ${shapes}`);
  }
  if (bias !== null && (bias.rank !== 1 || bias.shape[0] !== cout)) throw rangeError(op, `bias must be [${cout}], got bias ${shapeStr(bias.shape)} ${shapes}`);
  return { info, geometry, xt, wt, x4, bias, rank3, yShape: rank3 ? yShape4.slice(1) : yShape4 };
}

/** Sum of g per channel (the bias gradient). */
function channelSums(g: Tensor, channels: number, layout: Layout): Tensor {
  const out = new Float32Array(channels);
  const d = g.data;
  if (layout === 'nhwc') {
    for (let i = 0; i < d.length; i++) out[i % channels] += d[i];
  } else {
    const plane = g.rank === 3 ? g.shape[1] * g.shape[2] : g.shape[2] * g.shape[3];
    for (let i = 0, p = 0; i < d.length; i += plane, p++) {
      let s = 0;
      for (let j = 0; j < plane; j++) s += d[i + j];
      out[p % channels] += s;
    }
  }
  return new Tensor(out, [channels]);
}

function addBias(y: Tensor, b: Float32Array, layout: Layout): void {
  const d = y.data, c = b.length;
  if (layout === 'nhwc') {
    for (let i = 0; i < d.length; i++) d[i] += b[i % c];
  } else {
    const plane = y.rank === 3 ? y.shape[1] * y.shape[2] : y.shape[2] * y.shape[3];
    for (let i = 0, p = 0; i < d.length; i += plane, p++) {
      const v = b[p % c];
      for (let j = 0; j < plane; j++) d[i + j] += v;
    }
  }
}

/**
 * 2-D transposed convolution (PyTorch's `conv_transpose2d`, sometimes called deconvolution):
 * the gradient of {@link conv2d} with respect to its input, used to upsample feature maps.
 * With stride s, padding p, dilation d, kernel k and outputPadding op, each output side is
 * `(in - 1)*s - 2*p + d*(k - 1) + op + 1`; outputPadding adds rows and columns at the bottom
 * and right (it tells apart the input sizes a strided conv2d maps to the same output).
 *
 * Weight layout: nchw takes PyTorch's `[Cin, Cout/groups, KH, KW]`; nhwc takes
 * `[Cin, KH, KW, Cout/groups]` (the OHWI weight of the conv2d this op is the gradient of), so
 * the same weight tensor serves conv2d(·, w) and convTranspose2d(·, w) in either layout.
 *
 * Differentiable in x, w and bias: dx is conv2d(dy, w) with the same stride, padding,
 * dilation and groups; dw is conv2d's filter gradient with the roles of input and output swapped.
 * @example
 * ```ts
 * const x = randn([1, 8, 16, 16]), w = randn([8, 4, 4, 4]);        // [Cin, Cout, KH, KW]
 * convTranspose2d(x, w, { stride: 2, padding: 1 }).shape;          // [1, 4, 32, 32]
 * ```
 * @param x - `[N, Cin, H, W]` (nchw, default) or `[N, H, W, Cin]` (nhwc); rank 3 without N gives rank 3.
 * @param w - `[Cin, Cout/groups, KH, KW]` (nchw) or `[Cin, KH, KW, Cout/groups]` (nhwc).
 * @param opts - stride, padding, outputPadding, dilation, groups, bias, layout; see {@link ConvTranspose2dOptions}.
 * @returns `[N, Cout, OH, OW]` (nchw) or `[N, OH, OW, Cout]` (nhwc).
 * @throws TypeError for a wrong argument type; RangeError for shapes that do not fit, naming the shapes.
 */
export function convTranspose2d(x: Tensor, w: Tensor, opts?: ConvTranspose2dOptions): Tensor {
  const op = 'convTranspose2d';
  const { info, geometry, xt, wt, x4, bias, yShape } = prepare(op, x, w, opts);
  const data = allocate(op, yShape.reduce((a, b) => a * b, 1), () => ({ what: `the output ${shapeStr(yShape)}`, context: `(x ${shapeStr(xt.shape)}, w ${shapeStr(wt.shape)})` }), (k) => backend().output(k));
  const y = new Tensor(data, yShape);
  backend().conv2dBackwardData(x4.data, wt.data, y.data, info);
  if (bias !== null) addBias(y, bias.data, geometry.layout);
  if (needsGrad(xt, wt, bias)) {
    const [gx, gw, gb] = [metaOf(xt) !== null, metaOf(wt) !== null, metaOf(bias) !== null];
    const xd = xt.detach(), wd = wt.detach();
    const cout = info.inChannels;
    record(op, y, [xt, wt, bias], (gy) => [
      gx ? conv2d(gy, wd, geometry) : null,
      // y = conv2d's input gradient for "dy" = x: dL/dw = conv2d's filter gradient with dy = x and input = gy.
      gw ? conv2dBackward(xd, gy, wd, { ...geometry, outputs: ['dw'] }).dw! : null,
      gb ? channelSums(gy, cout, geometry.layout) : null,
    ]);
  }
  return y;
}
