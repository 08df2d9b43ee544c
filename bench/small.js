// npm run bench -- --only small: the fixed cost of one call on tiny inputs (issue 15: at most
// 2 us per op natively). Each row calls the public op (checks, shape info, the output Tensor,
// the kernel: what a user's call costs) in timed batches of many calls; the figure is the
// median batch time per call, in microseconds. onnxruntime-node runs the same op as a one-node
// model: run() end to end per awaited call (its binding copies each output into a fresh
// ArrayBuffer), and ORT's own model_run time from its profiler (bench/peers/ort-timing.js).
// Run as a child:
//   node bench/small.js <convkit-native|convkit-ts|onnxruntime> <threads>
// prints one JSON line per row: { peer, threads, op, us[, minUs (the fastest batch), modelRunUs] }.
'use strict';
const { data } = require('./workloads');

const peer = process.argv[2] ?? 'convkit-native';
const threads = Number(process.argv[3] ?? 1);

const X4 = [1, 4, 8, 8];
const now = () => Number(process.hrtime.bigint()) / 1e3;
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

// [name, convkit call, onnx model], in table order; both peers emit the same names.
function rows(ck) {
  const t = (shape, seed) => new ck.Tensor(data(shape.reduce((a, b) => a * b, 1), seed), shape);
  const v16 = t([16], 1), w16 = t([16], 2), a44 = t([4, 4], 3), b44 = t([4, 4], 4), b4 = t([4], 5);
  const x = t(X4, 6), w = t([4, 4, 3, 3], 7), cb = t([4], 8);
  const rm = t([4], 9), rv = new ck.Tensor(new Float32Array(4).fill(1.5), [4]), bw = t([4], 10), bb = t([4], 11);
  const pool = { kernel: 2 }, conv = { padding: 1, bias: cb };
  const bn = { runningMean: rm, runningVar: rv, weight: bw, bias: bb, training: false };
  return [
    ['relu [16]', () => ck.relu(v16)],
    ['add [16] + [16]', () => ck.add(v16, w16)],
    ['softmax [16]', () => ck.softmax(v16)],
    ['matmul 4x4 @ 4x4', () => ck.matmul(a44, b44)],
    ['linear [4, 4] w [4, 4] + b', () => ck.linear(a44, b44, b4)],
    ['conv2d 1x4x8x8 3x3 pad 1 + bias', () => ck.conv2d(x, w, conv)],
    ['maxPool2d 1x4x8x8 2x2', () => ck.maxPool2d(x, pool)],
    ['avgPool2d 1x4x8x8 2x2', () => ck.avgPool2d(x, pool)],
    ['batchNorm2d eval 1x4x8x8', () => ck.batchNorm2d(x, bn)],
  ];
}

// Batches of CALLS calls, at least MIN_BATCHES and ~MS per row.
const CALLS = 1000, MIN_BATCHES = 15, MS = 250;

function timeSync(fn) {
  for (let i = 0; i < CALLS; i++) fn();  // warm-up (and JIT)
  const per = [];
  const start = now();
  while (per.length < MIN_BATCHES || (now() - start < MS * 1e3 && per.length < 200)) {
    const t0 = now();
    for (let i = 0; i < CALLS; i++) fn();
    per.push((now() - t0) / CALLS);
  }
  return { us: median(per), minUs: Math.min(...per) };
}

async function convkit(backend) {
  const ck = require('..');
  ck.setBackend(backend);
  ck.setNumThreads(threads);
  for (const [op, fn] of rows(ck)) {
    console.log(JSON.stringify({ peer: `convkit-${backend}`, threads, op, ...timeSync(fn) }));
  }
}

async function onnx() {
  const ort = require('onnxruntime-node');
  const { oneNodeModel } = require('./peers/onnx-model');
  const { ortSession, measureOrt } = require('./peers/ort-timing');
  const T = (shape, seed) => new ort.Tensor('float32', data(shape.reduce((a, b) => a * b, 1), seed), shape);
  const init = (name, shape, seed) => ({ name, shape, data: data(shape.reduce((a, b) => a * b, 1), seed) });
  const X = T(X4, 6), V = T([16], 1), A = T([4, 4], 3);
  const xi = { name: 'X', shape: X4 }, vi = { name: 'X', shape: [16] }, ai = { name: 'X', shape: [4, 4] };
  const y = (shape) => [{ name: 'Y', shape }];
  const cases = [
    ['relu [16]', oneNodeModel('Relu', [vi], y([16])), { X: V }],
    ['add [16] + [16]', oneNodeModel('Add', [vi, { name: 'B', shape: [16] }], y([16])), { X: V, B: T([16], 2) }],
    ['softmax [16]', oneNodeModel('Softmax', [vi], y([16]), { axis: -1 }), { X: V }],
    ['matmul 4x4 @ 4x4', oneNodeModel('MatMul', [ai, { name: 'B', shape: [4, 4] }], y([4, 4])), { X: A, B: T([4, 4], 4) }],
    ['linear [4, 4] w [4, 4] + b', oneNodeModel('Gemm', [ai, init('W', [4, 4], 4), init('C', [4], 5)], y([4, 4]), { transB: 1 }), { X: A }],
    ['conv2d 1x4x8x8 3x3 pad 1 + bias', oneNodeModel('Conv', [xi, init('W', [4, 4, 3, 3], 7), init('B', [4], 8)], y(X4), { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), { X }],
    ['maxPool2d 1x4x8x8 2x2', oneNodeModel('MaxPool', [xi], y([1, 4, 4, 4]), { kernel_shape: [2, 2], strides: [2, 2] }), { X }],
    ['avgPool2d 1x4x8x8 2x2', oneNodeModel('AveragePool', [xi], y([1, 4, 4, 4]), { kernel_shape: [2, 2], strides: [2, 2] }), { X }],
    ['batchNorm2d eval 1x4x8x8', oneNodeModel('BatchNormalization', [xi, init('scale', [4], 10), init('B', [4], 11), init('mean', [4], 9),
      { name: 'var', shape: [4], data: new Float32Array(4).fill(1.5) }], y(X4), { epsilon: 1e-5 }), { X }],
  ];
  for (const [op, model, feeds] of cases) {
    // run() end to end, without the profiler: batches of awaited calls.
    const session = await ort.InferenceSession.create(model, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
    const N = 200;
    for (let i = 0; i < N; i++) await session.run(feeds);
    const per = [];
    const start = now();
    while (per.length < MIN_BATCHES || (now() - start < MS * 1e3 && per.length < 200)) {
      const t0 = now();
      for (let i = 0; i < N; i++) await session.run(feeds);
      per.push((now() - t0) / N);
    }
    await session.release();
    // ORT's own time for the run (executor and kernel), from its profiler.
    const prof = await ortSession(model, threads);
    const m = await measureOrt(prof, feeds, undefined, { warmup: 20, minRuns: 200, minMs: 50, maxMs: 300 });
    await prof.session.release();
    console.log(JSON.stringify({ peer: 'onnxruntime-node', threads, op, us: median(per), modelRunUs: m.median * 1e3 }));
  }
}

const main = peer === 'onnxruntime' ? onnx : () => convkit(peer === 'convkit-ts' ? 'ts' : 'native');
main().catch((e) => { console.error(e); process.exit(1); });
