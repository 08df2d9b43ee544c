// Cross-entropy over logits, mean over the batch, with its gradient.
import { isInt } from '../check';
import { invalidType, rangeError, shapeStr } from '../errors';
import { types } from 'node:util';
import { checkTensor, Tensor, typedLength } from '../tensor';
import { logSoftmax } from './activation';
import { noGrad } from '../autograd/grad-mode';

/**
 * Softmax cross-entropy over a batch, with its gradient: `loss = mean over n of
 * -logSoftmax(logits)[n, labels[n]]`, `dlogits = (softmax(logits) - onehot(labels)) / N`.
 * @param logits - `[N, C]`: one row of unnormalized class scores per example.
 * @param labels - N class indices, each in `[0, C)`.
 * @returns `loss`, the mean over the batch (a number), and `dlogits`, its gradient `[N, C]`.
 */
export function crossEntropy(logits: Tensor, labels: Int32Array | readonly number[]): {
  /** The mean cross-entropy over the batch. */
  loss: number;
  /** The gradient of loss with respect to logits, `[N, C]`. */
  dlogits: Tensor;
} {
  const op = 'crossEntropy';
  const lt = checkTensor(op, 'logits', logits);
  const isInt32 = types.isInt32Array(labels);
  if (!isInt32 && !Array.isArray(labels)) throw invalidType(op, 'labels', 'an Int32Array or number[]', labels);
  if (lt.rank !== 2) throw rangeError(op, `logits must be [N, C], got logits ${shapeStr(lt.shape)}`);
  const [n, c] = lt.shape;
  if (n === 0) throw rangeError(op, `the batch is empty (logits ${shapeStr(lt.shape)}): the mean over 0 rows is undefined`);
  if (c === 0) throw rangeError(op, `logits ${shapeStr(lt.shape)} has zero classes`);
  const count: unknown = isInt32 ? typedLength(labels as Int32Array) : labels.length;
  if (count !== n) throw rangeError(op, `logits has ${n} rows but there are ${String(count)} labels (logits ${shapeStr(lt.shape)})`);
  // One read per label: a getter or Proxy cannot pass the check with one value and index with another.
  const ls = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v: unknown = labels[i];
    if (typeof v !== 'number' || !isInt(v) || v < 0 || v >= c) {
      throw rangeError(op, `label ${i} is ${String(v)}, out of range [0, ${c}) (logits ${shapeStr(lt.shape)})`);
    }
    ls[i] = v;
  }
  const logp = noGrad(() => logSoftmax(lt, -1));  // { loss, dlogits } form: not on the tape
  const dlogits = new Tensor(new Float32Array(n * c), [n, c]);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const row = i * c;
    loss -= logp.data[row + ls[i]];
    for (let j = 0; j < c; j++) {
      const p = Math.exp(logp.data[row + j]);
      dlogits.data[row + j] = (j === ls[i] ? p - 1 : p) / n;
    }
  }
  return { loss: loss / n, dlogits };
}
