// Child process: times LeNet-5 training epochs on MNIST (suite workload lenet5_mnist_epoch) on one
// backend and prints one JSON line: the median epoch time of the epochs run.
'use strict';
const ck = require('convkit');
const { train } = require('../examples/train-mnist/index');

const [backend, threads, epochs] = process.argv.slice(2);
if (backend === 'native') ck.setNumThreads(Number(threads));
const { epochs: runs, testAccuracy } = train({ backend, epochs: Number(epochs), quiet: true, out: null });
const times = runs.map((e) => e.seconds * 1000).sort((a, b) => a - b);
process.stdout.write(`${JSON.stringify({
  peer: `convkit-${backend}`, threads: Number(threads), workload: 'lenet5_mnist_epoch', kind: 'training', method: 'train', layout: 'nchw',
  median: times[Math.floor(times.length / 2)], min: times[0], runs: times.length, flops: null, bytes: null, testAccuracy,
})}\n`);
