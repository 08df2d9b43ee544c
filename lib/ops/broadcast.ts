// Broadcast helpers for gradients: expand a tensor to a broadcast shape, and sum a broadcast
// gradient back to an input's shape.
import { backend } from '../backend/select';
import { broadcastInfo } from '../shape/broadcast-info';
import { rangeError, shapeStr } from '../errors';
import { checkTensor, Tensor } from '../tensor';
import { reduceAxes } from './reduce';

const ZERO = new Float32Array(1);

/** t broadcast (NumPy rules) to `shape`, copied into a new tensor of that shape. */
export function expandTo(t: Tensor, shape: readonly number[]): Tensor {
  const info = broadcastInfo('expand', t.shape, shape);
  if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
    throw rangeError('expand', `t ${shapeStr(t.shape)} does not broadcast to ${shapeStr(shape)}`);
  }
  // b is one zero read with stride 0 everywhere: y = t + 0, laid out as shape.
  const y = new Tensor(backend().output(info.size), shape);
  backend().binary('add', t.data, ZERO, y.data, { ...info, bSize: 1, bStrides: info.bStrides.map(() => 0) });
  return y;
}

/**
 * Sums a gradient g of a broadcast result back to the shape of the input that was broadcast
 * (over its missing leading dimensions and the dimensions where it has size 1), so that
 * `sumToShape(g, a.shape)` is a's gradient of `add(a, b)`. Returns g itself when the shapes
 * are equal.
 * @throws RangeError if `shape` does not broadcast to g's shape.
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  const gt = checkTensor('sumToShape', 'g', g);
  if (shape.length > gt.rank) throw rangeError('sumToShape', `shape ${shapeStr(shape)} has more dimensions than g ${shapeStr(gt.shape)}`);
  const lead = gt.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < gt.rank; i++) {
    const s = i < lead ? 1 : shape[i - lead];
    if (i >= lead && s !== gt.shape[i] && s !== 1) throw rangeError('sumToShape', `shape ${shapeStr(shape)} does not broadcast to g ${shapeStr(gt.shape)}`);
    if (i < lead || (s === 1 && gt.shape[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return gt.rank === shape.length ? gt : gt.reshape(shape);
  return reduceAxes('sumToShape', 'sum', gt, axes).reshape(shape);
}
