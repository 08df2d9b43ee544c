// npm run train:resnet [-- --epochs 12 --batch 64 --maxLr 0.1 --threads 2 --checkpoint out/resnet-mnist --resume --quiet]; --help lists them
// Trains SmallResNet (models.js: BatchNorm, residual blocks, a concat of two poolings, dropout)
// on the MNIST digits of the `mnist` package: random shifts of up to 2 pixels, SGD with
// Nesterov momentum and weight decay under a one-cycle learning-rate schedule, cross-entropy
// with label smoothing. Shows a live progress bar, evaluates on the test digits after every
// epoch, and checkpoints model + optimizer + schedule after every epoch; --resume continues
// from the last checkpoint exactly where it stopped.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ck = require('convkit');
const { loadMnist } = require('../train-mnist/data');
const { makeCli, trainerOptions, runEpoch, shuffled, UsageError } = require('../train-mnist/common');
const { makeModels } = require('./models');

const DEFAULT_CHECKPOINT = path.join(__dirname, '..', '..', 'out', 'resnet-mnist');

// Every option: [name, default, value, what it does]. --help prints this table.
const OPTIONS = trainerOptions({ epochs: 12, augment: 2 }, [
  ['maxLr', 0.1, 'x', "the one-cycle schedule's peak learning rate"],
  ['weightDecay', 5e-4, 'x', "SGD's weight decay"],
  ['labelSmoothing', 0.05, 'x', "the loss's label smoothing"],
  ['dropout', 0.1, 'p', 'dropout before the classifier'],
  ['limit', 0, 'n', 'train on the first n training digits only (0: all 8,000)'],
  ['stopAfter', 0, 'n', 'stop after epoch n, as an interrupted run would (0: run all --epochs)'],
], [
  ['checkpoint', path.relative(process.cwd(), DEFAULT_CHECKPOINT) || DEFAULT_CHECKPOINT, 'dir', "where the checkpoint is written after each epoch ('' : none)"],
  ['resume', false, '', 'continue from the checkpoint in --checkpoint (a flag)'],
]);
const { parseArgs, usage } = makeCli(
  'Trains a small ResNet with BatchNorm on the MNIST digits of the `mnist` package, with checkpoints.',
  'npm run train:resnet -- [options]   (or: node examples/train-resnet [options])', OPTIONS);

/** The checkpoint's three files: the model's and the optimizer's tensors, and the rest as JSON. */
function checkpointFiles(dir) {
  return { model: path.join(dir, 'model.safetensors'), optimizer: path.join(dir, 'optimizer.safetensors'), meta: path.join(dir, 'state.json') };
}

function saveCheckpoint(dir, { model, optimizer, scheduler, epoch, args, history }) {
  fs.mkdirSync(dir, { recursive: true });
  const f = checkpointFiles(dir);
  const opt = optimizer.stateDict();
  // Written next to the final names, then renamed: a crash mid-save leaves the last checkpoint whole.
  const tmp = (p) => `${p}.partial`;
  ck.io.saveSafetensors(tmp(f.model), model.stateDict(), { model: 'SmallResNet', epoch: String(epoch) });
  ck.io.saveSafetensors(tmp(f.optimizer), opt.state, { paramGroups: JSON.stringify(opt.paramGroups) });
  fs.writeFileSync(tmp(f.meta), JSON.stringify({ epoch, scheduler: scheduler.stateDict(), args: { ...args, resume: undefined }, history }, null, 1));
  for (const p of [f.model, f.optimizer, f.meta]) fs.renameSync(tmp(p), p);
}

function loadCheckpoint(dir, { model, optimizer, scheduler }) {
  const f = checkpointFiles(dir);
  for (const p of Object.values(f)) {
    if (!fs.existsSync(p)) throw new UsageError(`--resume: ${p} does not exist (train once with --checkpoint ${dir} first)`);
  }
  const meta = JSON.parse(fs.readFileSync(f.meta, 'utf8'));
  model.loadStateDict(ck.io.loadSafetensors(f.model));
  const { tensors, metadata } = ck.io.loadSafetensorsWithMetadata(f.optimizer);
  optimizer.loadStateDict({ state: tensors, paramGroups: JSON.parse(metadata.paramGroups) });
  scheduler.loadStateDict(meta.scheduler);
  return meta;
}

/** Trains and returns { testAccuracy, epochs: [{ epoch, seconds, loss, trainAccuracy, testAccuracy }], model }. */
function train(opts) {
  const args = { ...parseArgs([]), ...opts };
  ck.setBackend(args.backend);
  if (args.threads > 0) ck.setNumThreads(args.threads);
  ck.nn.manualSeed(args.seed);
  ck.manualSeed(args.seed);
  const { train: all, test: testSet } = loadMnist();
  const n = args.limit > 0 ? Math.min(args.limit, all.count) : all.count;
  const trainSet = { images: all.images.subarray(0, n * 28 * 28), labels: all.labels.subarray(0, n), count: n };
  const { SmallResNet } = makeModels(ck);
  const model = new SmallResNet({ p: args.dropout });
  const stepsPerEpoch = Math.ceil(trainSet.count / args.batch);
  const optimizer = new ck.optim.SGD(model.parameters(), { lr: args.maxLr / 25, momentum: 0.9, nesterov: true, weightDecay: args.weightDecay });
  const scheduler = new ck.optim.OneCycleLR(optimizer, { maxLr: args.maxLr, totalSteps: args.epochs * stepsPerEpoch });
  const log = (s) => { if (!args.quiet) console.log(s); };
  let first = 1;
  let history = [];
  if (args.resume) {
    const meta = loadCheckpoint(args.checkpoint, { model, optimizer, scheduler });
    first = meta.epoch + 1;
    history = meta.history;
    log(`resumed from ${args.checkpoint} after epoch ${meta.epoch} (test acc ${(100 * history[history.length - 1].testAccuracy).toFixed(2)}%)`);
  }
  log(`SmallResNet on ${trainSet.count} MNIST digits (test ${testSet.count}), batch ${args.batch}, SGD nesterov + one-cycle to lr ${args.maxLr}, ` +
    `${args.epochs} epochs, backend ${ck.getBackend()}${ck.getBackend() === 'native' ? ` (${ck.info().native.simd}, ${ck.info().native.threads} threads)` : ''}`);
  if (!args.quiet && first === 1) console.log(model.summary([1, 1, 28, 28]));
  const order = Array.from({ length: trainSet.count }, (_, i) => i);
  for (let epoch = first; epoch <= args.epochs; epoch++) {
    // The epoch's shuffle and shifts depend only on the seed and the epoch: a resumed run sees
    // the same batches as an uninterrupted one.
    shuffled(order.sort((a, b) => a - b), args.seed * 1000 + epoch);
    const r = runEpoch({
      model, trainSet, testSet, order, epoch, args,
      step(x, labels) {
        const logits = model.forward(x);
        const loss = ck.crossEntropyLoss(logits, labels, { labelSmoothing: args.labelSmoothing });
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        scheduler.step();
        return { logits, loss: loss.data[0] };
      },
      extra: (seen, elapsed) => `  lr ${scheduler.getLastLr()[0].toFixed(4)}  eta ${((elapsed / seen) * (order.length - seen)).toFixed(0)} s `,
    });
    history.push({ epoch, ...r });
    if (args.checkpoint) saveCheckpoint(args.checkpoint, { model, optimizer, scheduler, epoch, args, history });
    if (epoch === args.stopAfter) break;
  }
  if (args.checkpoint && !args.quiet) log(`checkpoint in ${args.checkpoint} (resume with --resume)`);
  return { testAccuracy: history[history.length - 1].testAccuracy, epochs: history, model };
}

if (require.main === module) {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
    if (args.help) {
      console.log(usage());
      process.exit(0);
    }
    const t0 = Date.now();
    const { testAccuracy, epochs } = train(args);
    const mean = epochs.reduce((a, e) => a + e.seconds, 0) / epochs.length;
    console.log(`test accuracy ${(100 * testAccuracy).toFixed(2)}% after ${epochs.length} epochs; ${mean.toFixed(2)} s per epoch on ${ck.getBackend()}; ${((Date.now() - t0) / 1000).toFixed(1)} s in all`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`train-resnet: ${e.message}\n\n${usage()}`);
    process.exit(2);
  }
}

module.exports = { train, parseArgs, usage, OPTIONS };
