// Soak: many small and large calls, sync and async, then resident memory growth after GC.
// node --expose-gc scripts/soak.js [small=100000] [large=1000] [limitMB=10]
// Prints one JSON line and exits 1 when RSS grew by more than the limit.
'use strict';
const ck = require('../dist/index.js');

const [small = 100000, large = 1000, limitMB = 10] = process.argv.slice(2).map(Number);
if (typeof global.gc !== 'function') throw new Error('soak.js needs node --expose-gc');
const gc = global.gc;
const rssMB = () => process.memoryUsage().rss / 2 ** 20;

// RSS once the dead ArrayBuffers are gone: V8 frees their memory on a background thread after
// gc() returns, so a reading right after gc() can count megabytes about to be freed (the
// training-loop test in test/nn/module.test.ts read 20.8 MB of them on a busy CI machine).
// The live set here is x (1.6 MB) and a few small tensors.
async function settledRssMB() {
  for (let i = 0; i < 300; i++) {
    gc();
    if (process.memoryUsage().arrayBuffers < 8 * 2 ** 20) return rssMB();
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`ArrayBuffers still held 3 s after gc(): ${(process.memoryUsage().arrayBuffers / 2 ** 20).toFixed(1)} MB`);
}

async function round(i) {
  const x = ck.randn([1, 3, 8, 8], { seed: i });
  const w = ck.randn([4, 3, 3, 3], { seed: i + 1 });
  ck.conv2d(x, w, { padding: 1, activation: 'relu' });
  ck.maxPool2d(x, { kernel: 2 });
  ck.gemm(x.reshape([16, 12]), w.reshape([12, 9]));
  ck.softmax(x.reshape([3, 64]));
  try { ck.conv2d(x, ck.ones([4, 2, 3, 3])); } catch { /* errors must not leak either */ }
  if (i % 4 === 0) {
    await ck.conv2dAsync(x, w, { stride: 2 });
    await ck.avgPool2dAsync(x, { kernel: 3, padding: 1 });
    await ck.gemmAsync(ck.ones([5, 7]), ck.ones([7, 3]));
    await ck.conv2dAsync(x, ck.ones([4, 2, 3, 3])).catch(() => undefined);
  }
}

async function bigRound(i, x, w) {
  const y = i % 2 ? await ck.conv2dAsync(x, w, { padding: 1 }) : ck.conv2d(x, w, { padding: 1 });
  ck.maxPool2d(y, { kernel: 2 });
  if (ck.getBackend() === 'native') ck.conv2dBackward(y, x, w, { padding: 1, outputs: ['dw'] });
}

async function main() {
  const x = ck.randn([2, 64, 56, 56], { seed: 1 });
  const w = ck.randn([64, 64, 3, 3], { seed: 2 });
  // Warm-up: thread pools, per-thread workspaces and the JIT reach their steady state first.
  for (let i = 0; i < 2000; i++) await round(i);
  for (let i = 0; i < 40; i++) await bigRound(i, x, w);
  const before = await settledRssMB();
  const t0 = Date.now();
  for (let i = 0; i < small; i++) await round(i);
  for (let i = 0; i < large; i++) await bigRound(i, x, w);
  const after = await settledRssMB();
  const growth = after - before;
  const result = { small, large, seconds: (Date.now() - t0) / 1000, rssBeforeMB: +before.toFixed(1), rssAfterMB: +after.toFixed(1), growthMB: +growth.toFixed(2), limitMB, backend: ck.getBackend() };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(growth < limitMB ? 0 : 1);
}

main().catch((e) => { console.error(e); process.exit(2); });
