// Accuracy of precision 'bf16' and 'int8' on a trained model (the ONNX benchmark models have
// random weights: their logits are nearly flat, so top-1 says little there): LeNet-5 trained 3
// epochs on the MNIST digits of examples/train-mnist, then its test digits through the same
// layers with every conv2d and linear at fp32, bf16 and int8 (the functional ops' precision).
//   node bench/precision-accuracy.js
'use strict';
const ck = require('convkit');
const { train } = require('../examples/train-mnist/index');
const { loadMnist } = require('../examples/train-mnist/data');
ck.setNumThreads(2);
const { model, testAccuracy } = train({ backend: 'native', epochs: 3, quiet: true, out: null });
const p = Object.fromEntries(Object.entries(model.stateDict()));
const { test } = loadMnist();
function forward(x, precision) {
  const o = { precision };
  let h = ck.relu(ck.conv2d(x, p['0.weight'], { bias: p['0.bias'], padding: 2, ...o }));
  h = ck.maxPool2d(h, { kernel: 2 });
  h = ck.relu(ck.conv2d(h, p['3.weight'], { bias: p['3.bias'], ...o }));
  h = ck.maxPool2d(h, { kernel: 2 });
  h = h.reshape([h.shape[0], 400]);
  h = ck.relu(ck.linear(h, p['7.weight'], p['7.bias'], o));
  h = ck.relu(ck.linear(h, p['9.weight'], p['9.bias'], o));
  return ck.linear(h, p['11.weight'], p['11.bias'], o);
}
const res = {};
let agree = { bf16: 0, int8: 0 }, maxErr = { bf16: 0, int8: 0 };
for (const prec of ['fp32', 'bf16', 'int8']) res[prec] = 0;
const SIZE = 784;
for (let s = 0; s < test.count; s += 500) {
  const n = Math.min(500, test.count - s);
  const x = new ck.Tensor(test.images.slice(s * SIZE, (s + n) * SIZE), [n, 1, 28, 28]);
  const outs = {};
  for (const prec of ['fp32', 'bf16', 'int8']) {
    const y = ck.noGrad(() => forward(x, prec));
    outs[prec] = y;
    for (let r = 0; r < n; r++) {
      let best = 0; for (let j = 1; j < 10; j++) if (y.data[r * 10 + j] > y.data[r * 10 + best]) best = j;
      if (best === test.labels[s + r]) res[prec]++;
    }
  }
  for (const prec of ['bf16', 'int8']) {
    for (let r = 0; r < n; r++) {
      const am = (d) => { let b = 0; for (let j = 1; j < 10; j++) if (d[r * 10 + j] > d[r * 10 + b]) b = j; return b; };
      if (am(outs[prec].data) === am(outs.fp32.data)) agree[prec]++;
      let mx = 0, e = 0; for (let j = 0; j < 10; j++) { mx = Math.max(mx, Math.abs(outs.fp32.data[r * 10 + j])); e = Math.max(e, Math.abs(outs[prec].data[r * 10 + j] - outs.fp32.data[r * 10 + j])); }
      maxErr[prec] = Math.max(maxErr[prec], e / mx);
    }
  }
}
console.log(`LeNet-5 after 3 epochs (train() reported test accuracy ${(100 * testAccuracy).toFixed(2)}%), ${test.count} test digits:`);
for (const prec of ['fp32', 'bf16', 'int8']) console.log(`  ${prec}: accuracy ${(100 * res[prec] / test.count).toFixed(2)}%` + (prec === 'fp32' ? '' : `, top-1 equal to fp32 on ${agree[prec]} of ${test.count}, worst logit error ${(100 * maxErr[prec]).toFixed(2)}% of the row's largest`));
