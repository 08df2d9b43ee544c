// npm run bench -- --only norm: batchNorm2d forward (train, eval) and backward, transpose
// NCHW -> NHWC and concat on 8 MB and 32 MB tensors, convkit native vs onnxruntime-node where
// it has the op (BatchNormalization in inference mode, Transpose, Concat). Run as a child:
//   node bench/norm.js <convkit|onnxruntime> <threads>
// prints one JSON line per case: bytes moved (read + written) and the median ms.
'use strict';
const { measure } = require('./timing');
const { data } = require('./workloads');

const peer = process.argv[2] ?? 'convkit';
const threads = Number(process.argv[3] ?? 1);

// 8 MB = 2M floats: [8, 64, 64, 64]; 32 MB = 8M floats: [8, 64, 128, 128].
const SIZES = [{ tag: '8MB', n: 8, c: 64, h: 64, w: 64 }, { tag: '32MB', n: 8, c: 64, h: 128, w: 128 }];

async function convkitCases() {
  const ck = require('..');
  ck.setBackend('native');
  ck.setNumThreads(threads);
  const out = [];
  for (const s of SIZES) {
    const size = s.n * s.c * s.h * s.w, B = size * 4;
    for (const layout of ['nchw', 'nhwc']) {
      const shape = layout === 'nchw' ? [s.n, s.c, s.h, s.w] : [s.n, s.h, s.w, s.c];
      const x = new ck.Tensor(data(size, 1), shape), dy = new ck.Tensor(data(size, 2), shape);
      const vec = (v) => new ck.Tensor(new Float32Array(s.c).fill(v), [s.c]);
      const rm = vec(0), rv = vec(1), w = vec(1.5), b = vec(0.1);
      const saved = ck.batchNorm2dWithStats(x, { runningMean: vec(0), runningVar: vec(1), weight: w, bias: b, training: true, layout });
      // train: stats pass (read x) + normalize pass (read x, write y) = 3 B; backward: sums
      // (read dy, x) + dx (read dy, x, write dx) = 5 B.
      out.push({ op: 'batchNorm2d train', size: s.tag, layout, bytes: 3 * B, fn: () => ck.batchNorm2d(x, { runningMean: rm, runningVar: rv, weight: w, bias: b, training: true, layout }) });
      out.push({ op: 'batchNorm2d eval', size: s.tag, layout, bytes: 2 * B, fn: () => ck.batchNorm2d(x, { runningMean: rm, runningVar: rv, weight: w, bias: b, training: false, layout }) });
      out.push({ op: 'batchNorm2d backward', size: s.tag, layout, bytes: 5 * B, fn: () => ck.batchNorm2dBackward(dy, x, { mean: saved.mean, invstd: saved.invstd, weight: w, training: true, layout }) });
    }
    const x = new ck.Tensor(data(size, 3), [s.n, s.c, s.h, s.w]);
    out.push({ op: 'transpose nchw->nhwc', size: s.tag, layout: 'nchw', bytes: 2 * B, fn: () => ck.transpose(x, [0, 2, 3, 1]) });
    const half = new ck.Tensor(data(size / 2, 4), [s.n, s.c / 2, s.h, s.w]);
    out.push({ op: 'concat 2 halves axis 1', size: s.tag, layout: 'nchw', bytes: 2 * B, fn: () => ck.concat([half, half], 1) });
  }
  return out;
}

async function onnxCases() {
  const ort = require('onnxruntime-node');
  const { oneNodeModel } = require('./peers/onnx-model');
  const session = (m) => ort.InferenceSession.create(m, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const out = [];
  for (const s of SIZES) {
    const size = s.n * s.c * s.h * s.w, B = size * 4, shape = [s.n, s.c, s.h, s.w];
    const vec = (v) => new Float32Array(s.c).fill(v);
    const bn = await session(oneNodeModel('BatchNormalization', [
      { name: 'X', shape }, { name: 'scale', shape: [s.c], data: vec(1.5) }, { name: 'B', shape: [s.c], data: vec(0.1) },
      { name: 'mean', shape: [s.c], data: vec(0) }, { name: 'var', shape: [s.c], data: vec(1) },
    ], [{ name: 'Y', shape }], { epsilon: 1e-5 }));
    const X = new ort.Tensor('float32', data(size, 1), shape);
    out.push({ op: 'batchNorm2d eval', size: s.tag, layout: 'nchw', bytes: 2 * B, fn: () => bn.run({ X }) });
    const tr = await session(oneNodeModel('Transpose', [{ name: 'X', shape }], [{ name: 'Y', shape: [s.n, s.h, s.w, s.c] }], { perm: [0, 2, 3, 1] }));
    out.push({ op: 'transpose nchw->nhwc', size: s.tag, layout: 'nchw', bytes: 2 * B, fn: () => tr.run({ X }) });
    const hs = [s.n, s.c / 2, s.h, s.w];
    const cc = await session(oneNodeModel('Concat', [{ name: 'A', shape: hs }, { name: 'C', shape: hs }], [{ name: 'Y', shape }], { axis: 1 }));
    const H = new ort.Tensor('float32', data(size / 2, 4), hs);
    out.push({ op: 'concat 2 halves axis 1', size: s.tag, layout: 'nchw', bytes: 2 * B, fn: () => cc.run({ A: H, C: H }) });
  }
  return out;
}

async function main() {
  const cases = peer === 'onnxruntime' ? await onnxCases() : await convkitCases();
  for (const c of cases) {
    const m = await measure(c.fn, { minMs: 300, maxMs: 2000 });
    console.log(JSON.stringify({ peer: peer === 'onnxruntime' ? 'onnxruntime-node' : 'convkit-native', threads, op: c.op, size: c.size, layout: c.layout, bytes: c.bytes, median: m.median }));
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
