// What the two MNIST training examples share (train-mnist: LeNet-5; train-resnet: a ResNet): the
// command line (an options table, --key value / --key=value, --help) and the options both
// take, batches with random shifts, accuracy, evaluation without the tape, the progress bar,
// and the epoch loop around a trainer's own step.
'use strict';
const ck = require('convkit');
const { SIZE } = require('./data');

/** A usage error: the caller prints its message and the usage, without a stack trace. */
class UsageError extends Error {}

/**
 * parseArgs(argv) and usage() for an options table of [name, default, value, what] rows (a
 * row with an empty value is a flag). parseArgs returns { help: true } for --help or -h.
 */
function makeCli(title, invocation, options) {
  function usage() {
    const rows = options.map(([name, dflt, value, what]) => [`--${name}${value ? ` <${value}>` : ''}`, `${what}${value ? ` (default ${JSON.stringify(dflt)})` : ''}`]);
    const width = Math.max(...rows.map((r) => r[0].length));
    return [title, '', `usage: ${invocation}`, '', ...rows.map(([flag, what]) => `  ${flag.padEnd(width)}  ${what}`), `  ${'--help'.padEnd(width)}  print this and exit`].join('\n');
  }
  function parseArgs(argv) {
    const args = Object.fromEntries(options.map(([name, dflt]) => [name, dflt]));
    const flags = new Set(options.filter((o) => !o[2]).map((o) => o[0]));
    for (let i = 0; i < argv.length; i++) {
      if (argv[i] === '--help' || argv[i] === '-h') return { ...args, help: true };
      if (!argv[i].startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(argv[i])} (options start with --)`);
      const eq = argv[i].indexOf('=');
      const key = argv[i].slice(2, eq < 0 ? undefined : eq);
      if (flags.has(key)) { args[key] = true; continue; }
      if (!(key in args)) throw new UsageError(`unknown option --${key}`);
      const v = eq < 0 ? argv[++i] : argv[i].slice(eq + 1);
      if (v === undefined) throw new UsageError(`--${key} needs a value`);
      if (typeof args[key] === 'number') {
        if (v.trim() === '' || !Number.isFinite(Number(v))) throw new UsageError(`--${key} must be a number, got ${JSON.stringify(v)}`);
        args[key] = Number(v);
      } else {
        args[key] = v;
      }
    }
    return args;
  }
  return { parseArgs, usage };
}

/**
 * The options table of a trainer: the rows both take, the trainer's own `rows` after --batch
 * and its own `fileRows` (where it writes) after --threads. Rows: [name, default, value, what].
 */
function trainerOptions({ epochs, augment }, rows, fileRows) {
  return [
    ['backend', ck.getBackend(), 'native|ts', 'the backend to train on'],
    ['epochs', epochs, 'n', 'passes over the 8,000 training digits'],
    ['batch', 64, 'n', 'images per optimizer step'],
    ...rows,
    ['augment', augment, 'n', 'each training image is shifted by up to n pixels (0: none)'],
    ['seed', 1, 'n', 'seed of the weights, the shuffling and the shifts'],
    ['threads', 0, 'n', 'native threads (0: keep the default)'],
    ...fileRows,
    ['quiet', false, '', 'no progress lines (a flag, no value)'],
  ];
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

/** How many rows of logits [N, C] pick their label. */
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

/** Test accuracy in eval mode, recording nothing on the tape; the model goes back to training mode. */
function evaluate(model, set, batch) {
  model.eval();
  const order = Array.from({ length: set.count }, (_, i) => i);
  let hits = 0;
  ck.noGrad(() => {
    for (let s = 0; s < set.count; s += batch) {
      const { x, labels } = batchOf(set, order, s, batch);
      hits += correct(model.forward(x), labels);
    }
  });
  model.train();
  return hits / set.count;
}

function bar(fraction, width = 24) {
  const full = Math.round(fraction * width);
  return `[${'='.repeat(Math.max(0, full - 1))}${full > 0 ? '>' : ''}${' '.repeat(width - full)}]`;
}

/**
 * One epoch over the training digits in `order` (shuffled by the caller), the shifts seeded by
 * the seed and the epoch, with a live progress line; then the test accuracy. step(x, labels)
 * makes one optimizer step and returns { logits, loss } (the batch's mean loss, a number);
 * extra(seen, elapsed) ends the progress line. Returns { seconds, loss, trainAccuracy, testAccuracy }.
 */
function runEpoch({ model, trainSet, testSet, order, epoch, args, step, extra = () => '' }) {
  const shifts = ck.rand([2 * order.length], { seed: args.seed * 1000 + 500 + epoch }).data;
  let s0 = 0;
  const rand = () => shifts[s0++];
  const tty = process.stdout.isTTY && !args.quiet;
  const t0 = process.hrtime.bigint();
  let lossSum = 0;
  let hits = 0;
  let seen = 0;
  let lastPrint = 0;
  for (let s = 0; s < order.length; s += args.batch) {
    const { x, labels } = batchOf(trainSet, order, s, args.batch, args.augment, rand);
    const { logits, loss } = step(x, labels);
    lossSum += loss * labels.length;
    hits += correct(logits, labels);
    seen += labels.length;
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    const line = `epoch ${epoch}/${args.epochs} ${bar(seen / order.length)} ${String(Math.round(100 * seen / order.length)).padStart(3)}%  ` +
      `loss ${(lossSum / seen).toFixed(4)}  acc ${(100 * hits / seen).toFixed(2)}%  ${Math.round(seen / elapsed)} img/s${extra(seen, elapsed)}`;
    if (tty) process.stdout.write(`\r${line}`);
    else if (!args.quiet && seen / order.length >= lastPrint + 0.25) { lastPrint = Math.floor(4 * seen / order.length) / 4; console.log(line); }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const testAccuracy = evaluate(model, testSet, 500);
  if (tty) process.stdout.write('\n');
  if (!args.quiet) {
    console.log(`epoch ${epoch}: ${seconds.toFixed(2)} s (${Math.round(seen / seconds)} img/s), train loss ${(lossSum / seen).toFixed(4)}, train acc ${(100 * hits / seen).toFixed(2)}%, test acc ${(100 * testAccuracy).toFixed(2)}%`);
  }
  return { seconds, loss: lossSum / seen, trainAccuracy: hits / seen, testAccuracy };
}

/** A fresh order of 0..n-1 shuffled with a seeded generator (Fisher-Yates). */
function shuffled(order, seed) {
  const u = ck.rand([order.length], { seed }).data;
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

module.exports = { makeCli, trainerOptions, batchOf, correct, evaluate, bar, runEpoch, shuffled, UsageError };
