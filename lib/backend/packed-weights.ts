// The check both backends make on prepacked conv2d weights (backend.ts, PackedConv2dWeights).
import { rangeError, typeError } from '../errors';
import type { Conv2dInfo } from '../shape/conv2d-info';
import { type BackendName, conv2dPackKey, type PackedConv2dWeights } from './backend';

/** Throws unless pw is weights `be` packed for info's geometry. */
export function checkPacked(be: BackendName, pw: PackedConv2dWeights, info: Conv2dInfo): void {
  const op = 'conv2dPacked';
  if (pw === null || typeof pw !== 'object' || !(pw.data instanceof Float32Array) || !(pw.w instanceof Float32Array) || typeof pw.key !== 'string' ||
    (pw.precision !== 'fp32' && pw.precision !== 'bf16' && pw.precision !== 'int8')) {
    throw typeError(op, 'pw must be the result of conv2dPrepack');
  }
  if (pw.backend !== be) throw rangeError(op, `pw was packed by the ${String(pw.backend)} backend, not ${be}`);
  const key = conv2dPackKey(info);
  if (pw.key !== key) throw rangeError(op, `pw was packed for [${pw.key}], not [${key}] (batch, Cin, H, W, Cout, KH, KW, stride, padding, dilation, groups, layout)`);
}
