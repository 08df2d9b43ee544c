// worker_threads job for test/robustness/workers.test.ts: loads the built package in a worker
// and returns the results of a fixed set of calls (sync and async).
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const ck = require('../../dist/index.js');

async function job(seed) {
  const x = ck.randn([2, 5, 17, 19], { seed });
  const w = ck.randn([7, 5, 3, 3], { seed: seed + 1 });
  const b = ck.randn([7], { seed: seed + 2 });
  const conv = ck.conv2d(x, w, { padding: 1, stride: 2, bias: b, activation: 'relu' });
  const convAsync = await ck.conv2dAsync(x, w, { padding: [1, 0, 2, 1], bias: b });
  const pool = await ck.maxPool2dAsync(x, { kernel: 3, stride: 2, padding: 1 });
  const a = ck.randn([65, 130], { seed: seed + 3 });
  const m = ck.randn([130, 33], { seed: seed + 4 });
  const g = await ck.gemmAsync(a, m, { alpha: 0.5 });
  return [conv, convAsync, pool, g].map((t) => Array.from(t.data));
}

if (parentPort) {
  job(workerData.seed).then((r) => parentPort.postMessage({ ok: true, r, info: ck.info() }), (e) => parentPort.postMessage({ ok: false, e: String(e && e.stack) }));
}

module.exports = { job };
