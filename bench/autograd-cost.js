// npm run bench -- --only autograd: what recording on the tape costs (issue 13: at most 2 us per
// op over the no-grad call). Per case, interleaved in one process: the op on inputs that need no
// grad, and the same op with an input that requires grad (it records a node and keeps what its
// backward needs). Each timed run is 1,000 calls; prints one JSON line per case, us per call.
'use strict';
const ck = require('..');
const { measure } = require('./timing');

const backend = process.argv[2] ?? 'native';
ck.setBackend(backend);
ck.setNumThreads(1);
const CALLS = 1000;

function cases() {
  const x = ck.randn([16], { seed: 1 });
  const xg = x.clone(); xg.requiresGrad = true;
  const a = ck.randn([4, 8], { seed: 2 }), w = ck.randn([8, 8], { seed: 3 });
  const wg = w.clone(); wg.requiresGrad = true;
  const img = ck.randn([1, 2, 8, 8], { seed: 4 }), k = ck.randn([2, 2, 3, 3], { seed: 5 });
  const kg = k.clone(); kg.requiresGrad = true;
  return [
    { name: 'relu of 16 elements', plain: () => ck.relu(x), grad: () => ck.relu(xg) },
    { name: 'linear [4, 8] x [8, 8]', plain: () => ck.linear(a, w), grad: () => ck.linear(a, wg) },
    { name: 'conv2d [1, 2, 8, 8] 3x3', plain: () => ck.conv2d(img, k, { padding: 1 }), grad: () => ck.conv2d(img, kg, { padding: 1 }) },
  ];
}

async function main() {
  for (const c of cases()) {
    const loop = (f) => () => { for (let i = 0; i < CALLS; i++) f(); };
    const r = { plain: [], grad: [] };
    for (let round = 0; round < 7; round++) {
      r.plain.push((await measure(loop(c.plain), { minMs: 100, maxMs: 800 })).median);
      r.grad.push((await measure(loop(c.grad), { minMs: 100, maxMs: 800 })).median);
    }
    const med = (v) => v.sort((p, q) => p - q)[v.length >> 1];
    // ms per 1,000 calls = us per call.
    console.log(JSON.stringify({ case: c.name, backend, plainUs: med(r.plain), gradUs: med(r.grad) }));
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
