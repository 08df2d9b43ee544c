// Memory flatness of a training loop (issue 13: the tape holds only what backward needs and
// drops it after backward): a conv-relu-pool-linear net, batch 8, SGD momentum, 8,000 steps on
// the autograd tape (loss.backward()) and 8,000 through model.backward(dy); resident memory and
// V8's heapUsed after gc() every 1,000 steps.  Run:  node --expose-gc bench/train-memory.js
// (test/nn/module.test.ts asserts the same loop's growth over 1,000 steps.)
'use strict';
if (typeof global.gc !== 'function') {
  console.error('run with node --expose-gc bench/train-memory.js');
  process.exit(2);
}
const ck = require('..');
const { nn } = ck;
ck.setBackend('native');
for (const mode of ['tape', 'module.backward']) {
  ck.manualSeed(9);
  const model = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(4 * 13 * 13, 10));
  const opt = new ck.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = ck.randn([8, 1, 28, 28], { seed: 2 });
  const labels = [0, 1, 2, 3, 4, 5, 6, 7];
  const target = new ck.Tensor(Int32Array.from(labels), [8]);
  const step = () => {
    opt.zeroGrad();
    if (mode === 'tape') {
      const loss = ck.crossEntropyLoss(model.forward(x), target);
      loss.backward();
    } else {
      const { dlogits } = ck.crossEntropy(model.forward(x), labels);
      model.backward(dlogits);
    }
    opt.step();
  };
  const row = [];
  for (let k = 0; k <= 8; k++) {
    if (k > 0) for (let i = 0; i < 1000; i++) step();
    global.gc();
    const m = process.memoryUsage();
    row.push(`${k * 1000}: ${(m.rss / 2 ** 20).toFixed(1)}/${(m.heapUsed / 2 ** 20).toFixed(1)}`);
  }
  console.log(mode, 'steps: RSS MB / heapUsed MB ->', row.join(', '));
}
