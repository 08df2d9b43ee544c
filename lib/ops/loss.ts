// Cross-entropy over logits, mean over the batch, with its gradient.
import { isInt } from '../check';
import { invalidType, rangeError, shapeStr } from '../errors';
import { types } from 'node:util';
import { checkTensor, Tensor, typedLength } from '../tensor';
import { logSoftmax } from './activation';

/** loss = mean_n(-log_softmax(logits)[n, label_n]); dlogits = (softmax - onehot) / N. */
export function crossEntropy(logits: Tensor, labels: Int32Array | readonly number[]): { loss: number; dlogits: Tensor } {
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
  const logp = logSoftmax(lt, -1);
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
