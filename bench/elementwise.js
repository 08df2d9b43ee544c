// npm run bench -- --only elementwise: the element-wise family, convkit native (through the
// backend interface, outputs preallocated: the kernel alone) vs onnxruntime-node (one-node or
// two-node models, outputs preallocated as fetches, timed by ORT's own profiler: see
// bench/peers/ort-timing.js for why run() is not the kernel's time), on 8 MB inputs (caches
// evicted between timed runs, bench/evict.js) and 64 MB inputs (no eviction).
// Rows: same-shape add, NCHW [C,1,1] bias add, mul by a scalar, relu, silu, gelu, sum over the
// last axis. Run as a child:  node bench/elementwise.js <convkit|onnxruntime> <threads>
// prints one JSON line per row: bytes moved (read + written) and the median ms.
'use strict';
const { measure } = require('./timing');
const { evictCaches } = require('./evict');
const { ortSession, measureOrt } = require('./peers/ort-timing');

const peer = process.argv[2] ?? 'convkit';
const threads = Number(process.argv[3] ?? 1);

const C = 64, ROW = 1024;
const SIZES = [{ tag: '8MB', mb: 8, evict: true }, { tag: '64MB', mb: 64, evict: false }];

function inputs(n) {
  return {
    a: new Float32Array(n).map((_, i) => Math.sin(i) * 3),
    b: new Float32Array(n).map((_, i) => Math.cos(i)),
    bias: new Float32Array(C).fill(0.5),
  };
}

// [name, bytes moved] per row, in order; both peers emit the same names.
const ROWS = (n) => [['add same-shape', 12 * n], ['add [C,1,1] bias', 8 * n], ['mul by scalar', 8 * n], ['relu', 8 * n],
  ['silu', 8 * n], ['gelu', 8 * n], [`sum last axis (rows of ${ROW})`, 4 * n + 4 * (n / ROW)]];

async function convkitCases(s) {
  const ck = require('..');
  const { broadcastInfo } = require('../dist/shape/broadcast-info.js');
  ck.setBackend('native');
  ck.setNumThreads(threads);
  const be = ck.backends.native;
  const n = (s.mb << 20) / 4, HW = n / C;
  const { a, b, bias } = inputs(n);
  const sc = new Float32Array([1.5]), y = new Float32Array(n), ys = new Float32Array(n / ROW);
  const same = broadcastInfo('add', [n], [n]), biasInfo = broadcastInfo('add', [1, C, HW], [C, 1]), scInfo = broadcastInfo('mul', [n], []);
  const fns = [
    () => be.binary('add', a, b, y, same),
    () => be.binary('add', a, bias, y, biasInfo),
    () => be.binary('mul', a, sc, y, scInfo),
    () => be.activation('relu', a, y),
    () => be.activation('silu', a, y),
    () => be.activation('gelu', a, y),
    () => be.reduce('sum', a, ys, n / ROW, ROW, 1),
  ];
  return ROWS(n).map(([name, bytes], i) => ({ name, bytes, fn: fns[i] }));
}

async function onnxCases(s) {
  const ort = require('onnxruntime-node');
  const { graphModel } = require('./peers/onnx-model');
  const n = (s.mb << 20) / 4, HW = n / C, shape = [1, C, HW];
  const { a, b, bias } = inputs(n);
  const A = new ort.Tensor('float32', a, shape), B = new ort.Tensor('float32', b, shape);
  const Bias = new ort.Tensor('float32', bias, [C, 1]);
  const Y = new ort.Tensor('float32', new Float32Array(n), shape);
  const rs = [1, C, HW / ROW], Ys = new ort.Tensor('float32', new Float32Array(n / ROW), rs);
  const x = { name: 'X', shape }, y = { name: 'Y', shape };
  const one = (op, ins, extra = [], attrs = {}, domain) => graphModel([{ op, inputs: ins, outputs: ['Y'], attrs, domain }], [x, ...extra], [y]);
  const models = [
    [one('Add', ['X', 'B'], [{ name: 'B', shape }]), { X: A, B }, { Y }],
    [one('Add', ['X', 'Bias'], [{ name: 'Bias', shape: [C, 1] }]), { X: A, Bias }, { Y }],
    [one('Mul', ['X', 'S'], [{ name: 'S', shape: [], data: new Float32Array([1.5]) }]), { X: A }, { Y }],
    [one('Relu', ['X']), { X: A }, { Y }],
    // x * Sigmoid(x) as two nodes (ORT may fuse them).
    [graphModel([{ op: 'Sigmoid', inputs: ['X'], outputs: ['S'] }, { op: 'Mul', inputs: ['X', 'S'], outputs: ['Y'] }], [x], [y]), { X: A }, { Y }],
    // com.microsoft Gelu (the exact erf form), a contrib op of ORT's CPU provider.
    [one('Gelu', ['X'], [], {}, 'com.microsoft'), { X: A }, { Y }],
    // ReduceSum over the last axis of [1, C, HW/ROW, ROW] (opset 13: axes as an int64 input).
    [graphModel([{ op: 'ReduceSum', inputs: ['X', 'axes'], outputs: ['Y'], attrs: { keepdims: 0 } }],
      [{ name: 'X', shape: [1, C, HW / ROW, ROW] }, { name: 'axes', shape: [1], data: new BigInt64Array([-1n]) }], [{ name: 'Y', shape: rs }]),
    { X: new ort.Tensor('float32', a, [1, C, HW / ROW, ROW]) }, { Y: Ys }],
  ];
  const out = [];
  const rows = ROWS(n);
  for (let i = 0; i < rows.length; i++) {
    const [model, feeds, fetches] = models[i];
    try {
      out.push({ name: rows[i][0], bytes: rows[i][1], ort: [await ortSession(model, threads), feeds, fetches] });
    } catch (e) {
      out.push({ name: rows[i][0], bytes: rows[i][1], error: String(e && e.message).slice(0, 200) });
    }
  }
  return out;
}

async function main() {
  const peerName = peer === 'onnxruntime' ? 'onnxruntime-node' : 'convkit-native';
  for (const s of SIZES) {
    const cases = peer === 'onnxruntime' ? await onnxCases(s) : await convkitCases(s);
    for (const c of cases) {
      const base = { kind: 'elementwise', peer: peerName, threads, op: c.name, size: s.tag, evict: s.evict, bytes: c.bytes };
      if (c.error) { console.log(JSON.stringify({ ...base, error: c.error })); continue; }
      const opts = { warmup: 2, minRuns: 7, minMs: 300, maxMs: 3000, before: s.evict ? () => evictCaches(threads) : null };
      const m = c.ort ? await measureOrt(...c.ort, opts) : await measure(c.fn, opts);
      console.log(JSON.stringify({ ...base, median: m.median, runMedian: m.runMedian, runs: m.runs }));
    }
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
