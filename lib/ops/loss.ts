// Cross-entropy over logits, mean over the batch, with its gradient.
import { isInt } from '../check';
import { invalidType, rangeError, shapeStr } from '../errors';
import { checkTensor, Tensor } from '../tensor';
import { logSoftmax } from './activation';

/** loss = mean_n(-log_softmax(logits)[n, label_n]); dlogits = (softmax - onehot) / N. */
export function crossEntropy(logits: Tensor, labels: Int32Array | readonly number[]): { loss: number; dlogits: Tensor } {
  const op = 'crossEntropy';
  const lt = checkTensor(op, 'logits', logits);
  if (!(labels instanceof Int32Array) && !Array.isArray(labels)) throw invalidType(op, 'labels', 'an Int32Array or number[]', labels);
  if (lt.rank !== 2) throw rangeError(op, `logits must be [N, C], got logits ${shapeStr(lt.shape)}`);
  const [n, c] = lt.shape;
  if (n === 0) throw rangeError(op, `the batch is empty (logits ${shapeStr(lt.shape)}): the mean over 0 rows is undefined`);
  if (c === 0) throw rangeError(op, `logits ${shapeStr(lt.shape)} has zero classes`);
  if (labels.length !== n) throw rangeError(op, `logits has ${n} rows but there are ${labels.length} labels (logits ${shapeStr(lt.shape)})`);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (typeof v !== 'number' || !isInt(v) || v < 0 || v >= c) {
      throw rangeError(op, `label ${i} is ${v}, out of range [0, ${c}) (logits ${shapeStr(lt.shape)})`);
    }
  }
  const logp = logSoftmax(lt, -1);
  const dlogits = new Tensor(new Float32Array(n * c), [n, c]);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const row = i * c;
    loss -= logp.data[row + labels[i]];
    for (let j = 0; j < c; j++) {
      const p = Math.exp(logp.data[row + j]);
      dlogits.data[row + j] = (j === labels[i] ? p - 1 : p) / n;
    }
  }
  return { loss: loss / n, dlogits };
}
