// convkit's training step for `npm run bench -- --only training`, the same step PyTorch's peer
// times (bench/peers/torch_step.py): forward, cross-entropy loss, backward on the tape, SGD
// (lr 0.01, momentum 0.9) step, zeroGrad, on random [64, 1, 28, 28] digits with random labels,
// for SmallResNet (examples/train-resnet/models.js) and LeNet-5 (examples/train-mnist/lenet5.js).
// Child process: node bench/train-step.js <native|ts> <threads>; one JSON line per model.
'use strict';
const ck = require('..');
const { makeModels } = require('../examples/train-resnet/models');
const { lenet5 } = require('../examples/train-mnist/lenet5');
const { measure } = require('./timing');

const [backend = 'native', threadsArg = '1'] = process.argv.slice(2);
const threads = Number(threadsArg);
ck.setBackend(backend);
if (backend === 'native') ck.setNumThreads(threads);
const BATCH = 64;

async function main() {
  const { SmallResNet } = makeModels(ck);
  const models = { small_resnet_train_step: () => new SmallResNet(), lenet5_train_step: lenet5 };
  const x = ck.randn([BATCH, 1, 28, 28], { seed: 1 });
  const labels = Int32Array.from(ck.rand([BATCH], { seed: 2 }).data, (v) => Math.floor(v * 10));
  for (const [workload, make] of Object.entries(models)) {
    ck.nn.manualSeed(0);
    const model = make();
    const opt = new ck.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    const step = () => {
      const loss = ck.crossEntropyLoss(model.forward(x), labels);
      loss.backward();
      opt.step();
      opt.zeroGrad();
    };
    const t = await measure(step, { warmup: 3, minRuns: 10, minMs: 1500, maxMs: backend === 'ts' ? 20000 : 8000 });
    console.log(JSON.stringify({
      peer: `convkit-${backend}`, threads, workload, kind: 'training', method: 'train', layout: 'nchw',
      median: t.median, min: t.min, runs: t.runs, flops: null, bytes: null, batch: BATCH,
    }));
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
