// npm run bench -- --only norm: batchNorm2d forward (train, eval) and backward, transpose
// NCHW -> NHWC, concat and upsample2d on 8 MB tensors (caches evicted between timed runs, bench/evict.js) and
// 64 MB tensors (working set over 2x L3, no eviction), convkit native vs onnxruntime-node where
// it has the op (BatchNormalization in inference mode, Transpose, Concat, Resize); and
// upsample2d x2 (bilinear NCHW and NHWC, nearest NCHW) into the same sizes from quarter-size x. Outputs are
// preallocated on both sides: convkit through the backend interface (batchNorm2dStats/Apply/
// Backward, copyStrided: the kernels, no per-call 8-64 MB allocation and its page faults),
// onnxruntime through preallocated fetches, timed by its own profiler (bench/peers/ort-timing.js).
// Run as a child:
//   node bench/norm.js <convkit|onnxruntime> <threads>
// prints one JSON line per case: bytes moved (read + written) and the median ms.
'use strict';
const { measure } = require('./timing');
const { data } = require('./workloads');
const { evictCaches } = require('./evict');
const { ortSession, measureOrt } = require('./peers/ort-timing');

const peer = process.argv[2] ?? 'convkit';
const threads = Number(process.argv[3] ?? 1);

// 8 MB = 2M floats: [8, 64, 64, 64]; 64 MB = 16M floats: [16, 64, 128, 128].
const SIZES = [{ tag: '8MB', n: 8, c: 64, h: 64, w: 64, evict: true }, { tag: '64MB', n: 16, c: 64, h: 128, w: 128, evict: false }];

async function convkitCases(s) {
  const ck = require('..');
  const { batchNorm2dInfo } = require('../dist/shape/batch-norm-info.js');
  const { stridesOf } = require('../dist/shape/copy-info.js');
  const { upsample2dInfo } = require('../dist/shape/upsample2d-info.js');
  ck.setBackend('native');
  ck.setNumThreads(threads);
  const be = ck.backends.native;
  const out = [];
  {
    const size = s.n * s.c * s.h * s.w, B = size * 4, C = s.c;
    const base = { size: s.tag, evict: s.evict };
    const y = new Float32Array(size), dx = new Float32Array(size);
    for (const layout of ['nchw', 'nhwc']) {
      const shape = layout === 'nchw' ? [s.n, s.c, s.h, s.w] : [s.n, s.h, s.w, s.c];
      const info = batchNorm2dInfo('batchNorm2d', shape, layout);
      const x = data(size, 1), dy = data(size, 2);
      const w = new Float32Array(C).fill(1.5), b = new Float32Array(C).fill(0.1);
      const mean = new Float32Array(C), variance = new Float32Array(C), invstd = new Float32Array(C);
      const scale = new Float32Array(C), shift = new Float32Array(C), dw = new Float32Array(C), db = new Float32Array(C);
      // train: stats pass (read x) + normalize pass (read x, write y) = 3 B, as ck.batchNorm2d
      // does it (plus its per-channel arithmetic, here in the loop too).
      const train = () => {
        be.batchNorm2dStats(x, mean, variance, info);
        for (let c = 0; c < C; c++) {
          invstd[c] = 1 / Math.sqrt(variance[c] + 1e-5);
          scale[c] = w[c] * invstd[c];
          shift[c] = b[c] - mean[c] * scale[c];
        }
        be.batchNorm2dApply(x, scale, shift, y, info);
      };
      train();
      const evalScale = new Float32Array(C).fill(1.5 / Math.sqrt(1 + 1e-5)), evalShift = new Float32Array(C).fill(0.1);
      out.push({ ...base, op: 'batchNorm2d train', layout, bytes: 3 * B, fn: train });
      out.push({ ...base, op: 'batchNorm2d eval', layout, bytes: 2 * B, fn: () => be.batchNorm2dApply(x, evalScale, evalShift, y, info) });
      // backward: sums (read dy, x) + dx (read dy, x, write dx) = 5 B.
      out.push({ ...base, op: 'batchNorm2d backward', layout, bytes: 5 * B, fn: () => be.batchNorm2dBackward(dy, x, mean, invstd, w, dx, dw, db, info, true) });
    }
    const x = data(size, 3);
    const xs = stridesOf([s.n, s.c, s.h, s.w]), tshape = [s.n, s.h, s.w, s.c];
    const tinfo = { shape: tshape, xOffset: 0, xStrides: [0, 2, 3, 1].map((a) => xs[a]), yOffset: 0, yStrides: stridesOf(tshape) };
    out.push({ ...base, op: 'transpose nchw->nhwc', layout: 'nchw', bytes: 2 * B, fn: () => be.copyStrided(x, y, tinfo) });
    // concat of two [n, c/2, h, w] halves along axis 1 (what ck.concat runs: one strided copy each).
    const half = data(size / 2, 4), row = (s.c / 2) * s.h * s.w;
    const cinfo = (off) => ({ shape: [s.n, row], xOffset: 0, xStrides: [row, 1], yOffset: off, yStrides: [2 * row, 1] });
    const c0 = cinfo(0), c1 = cinfo(row);
    out.push({ ...base, op: 'concat 2 halves axis 1', layout: 'nchw', bytes: 2 * B, fn: () => { be.copyStrided(half, y, c0); be.copyStrided(half, y, c1); } });
    // upsample2d x2 into y (this size) from a quarter-size x: read B / 4, write B.
    const xq = data(size / 4, 5);
    for (const [mode, layout] of [['bilinear', 'nchw'], ['bilinear', 'nhwc'], ['nearest', 'nchw']]) {
      const ushape = layout === 'nchw' ? [s.n, s.c, s.h / 2, s.w / 2] : [s.n, s.h / 2, s.w / 2, s.c];
      const uinfo = upsample2dInfo('upsample2d', ushape, { scale: 2, mode, layout });
      out.push({ ...base, op: `upsample2d ${mode} x2`, layout, bytes: 1.25 * B, fn: () => be.upsample2d(xq, y, uinfo) });
    }
  }
  return out;
}

async function onnxCases(s) {
  const ort = require('onnxruntime-node');
  const { oneNodeModel } = require('./peers/onnx-model');
  const session = (m) => ortSession(m, threads);
  const out = [];
  {
    const size = s.n * s.c * s.h * s.w, B = size * 4, shape = [s.n, s.c, s.h, s.w];
    const vec = (v) => new Float32Array(s.c).fill(v);
    const bn = await session(oneNodeModel('BatchNormalization', [
      { name: 'X', shape }, { name: 'scale', shape: [s.c], data: vec(1.5) }, { name: 'B', shape: [s.c], data: vec(0.1) },
      { name: 'mean', shape: [s.c], data: vec(0) }, { name: 'var', shape: [s.c], data: vec(1) },
    ], [{ name: 'Y', shape }], { epsilon: 1e-5 }));
    const X = new ort.Tensor('float32', data(size, 1), shape), Y = new ort.Tensor('float32', new Float32Array(size), shape);
    const base = { size: s.tag, evict: s.evict, layout: 'nchw' };
    out.push({ ...base, op: 'batchNorm2d eval', bytes: 2 * B, ort: [bn, { X }, { Y }] });
    const tr = await session(oneNodeModel('Transpose', [{ name: 'X', shape }], [{ name: 'Y', shape: [s.n, s.h, s.w, s.c] }], { perm: [0, 2, 3, 1] }));
    const YT = new ort.Tensor('float32', new Float32Array(size), [s.n, s.h, s.w, s.c]);
    out.push({ ...base, op: 'transpose nchw->nhwc', bytes: 2 * B, ort: [tr, { X }, { Y: YT }] });
    const hs = [s.n, s.c / 2, s.h, s.w];
    const cc = await session(oneNodeModel('Concat', [{ name: 'A', shape: hs }, { name: 'C', shape: hs }], [{ name: 'Y', shape }], { axis: 1 }));
    const H = new ort.Tensor('float32', data(size / 2, 4), hs);
    out.push({ ...base, op: 'concat 2 halves axis 1', bytes: 2 * B, ort: [cc, { A: H, C: H }, { Y }] });
    // Resize (opset 13) x2: linear with half_pixel (PyTorch's align_corners=False), nearest as
    // asymmetric + floor (PyTorch's nearest).
    const qs = [s.n, s.c, s.h / 2, s.w / 2], XQ = new ort.Tensor('float32', data(size / 4, 5), qs);
    for (const [mode, attrs] of [['bilinear', { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }],
      ['nearest', { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }]]) {
      const rs = await session(oneNodeModel('Resize', [{ name: 'X', shape: qs }, { name: 'roi', shape: [0], data: new Float32Array(0) },
        { name: 'scales', shape: [4], data: new Float32Array([1, 1, 2, 2]) }], [{ name: 'Y', shape }], attrs));
      out.push({ ...base, op: `upsample2d ${mode} x2`, bytes: 1.25 * B, ort: [rs, { X: XQ }, { Y }] });
    }
  }
  return out;
}

async function main() {
  for (const s of SIZES) {
    const cases = peer === 'onnxruntime' ? await onnxCases(s) : await convkitCases(s);
    for (const c of cases) {
      const opts = { minMs: 300, maxMs: 2000, before: c.evict ? () => evictCaches(threads) : null };
      const m = c.ort ? await measureOrt(...c.ort, opts) : await measure(c.fn, opts);
      console.log(JSON.stringify({ peer: peer === 'onnxruntime' ? 'onnxruntime-node' : 'convkit-native', threads, op: c.op, size: c.size, evict: c.evict, layout: c.layout, bytes: c.bytes, median: m.median, runMedian: m.runMedian }));
    }
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
