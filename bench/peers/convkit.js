// convkit itself, on the native or the ts backend; make('native', 'bf16'): the native backend
// with precision 'bf16' (the ops that have it: gemm, as sbgemm; conv2d); make('native', 'int8'):
// precision 'int8' (gemm only, as qgemm: the weights quantized per call).
'use strict';
const ck = require('convkit');
const { data, checksum } = require('../workloads');

function make(backend, precision = 'fp32') {
  const bf16 = precision === 'bf16', int8 = precision === 'int8';
  return {
    name: bf16 ? 'convkit-bf16' : int8 ? 'convkit-int8' : `convkit-${backend}`,
    layouts: ['nchw', 'nhwc'],
    async setup(threads) {
      ck.setBackend(backend);
      if (backend === 'native') ck.setNumThreads(threads);
      const i = ck.info();
      if (bf16) return `${i.native.simd}, bf16 ${i.native.bf16}, ${ck.getNumThreads()} threads`;
      if (int8) return `${i.native.simd}, int8 ${i.native.int8}, ${ck.getNumThreads()} threads`;
      return backend === 'native' ? `${i.native.simd}, ${ck.getNumThreads()} threads` : 'TypeScript';
    },
    gemm(w) {
      const a = data(w.M * w.K, 1);
      const b = data(w.K * w.N, 2);
      const c = new Float32Array(w.M * w.N);
      if (bf16) return { run: () => ck.sbgemm(false, false, w.M, w.N, w.K, 1, a, w.K, b, w.N, 0, c, w.N), out: () => checksum(c) };
      if (int8) return { run: () => ck.qgemm(false, false, w.M, w.N, w.K, 1, a, w.K, b, w.N, 0, c, w.N), out: () => checksum(c) };
      return { run: () => ck.sgemm(false, false, w.M, w.N, w.K, 1, a, w.K, b, w.N, 0, c, w.N), out: () => checksum(c) };
    },
    conv2d(w, layout) {
      if (int8) return null;
      const x = new ck.Tensor(data(w.N * w.C * w.H * w.W, 3), layout === 'nchw' ? [w.N, w.C, w.H, w.W] : [w.N, w.H, w.W, w.C]);
      const cg = w.C / w.groups;
      const wt = new ck.Tensor(data(w.K * cg * w.R * w.S, 4), layout === 'nchw' ? [w.K, cg, w.R, w.S] : [w.K, w.R, w.S, cg]);
      const bias = new ck.Tensor(data(w.K, 5), [w.K]);
      const opts = { stride: w.stride, padding: w.pad, groups: w.groups, bias, layout, ...(bf16 ? { precision: 'bf16' } : {}) };
      let y;
      return { run: () => { y = ck.conv2d(x, wt, opts); }, out: () => checksum(y.data) };
    },
    pool(w, layout) {
      if (bf16 || int8) return null;
      const x = new ck.Tensor(data(w.N * w.C * w.H * w.W, 6), layout === 'nchw' ? [w.N, w.C, w.H, w.W] : [w.N, w.H, w.W, w.C]);
      const opts = { kernel: w.kernel, stride: w.stride, padding: w.pad, layout };
      const f = w.op === 'max' ? () => ck.maxPool2d(x, opts) : w.op === 'avg' ? () => ck.avgPool2d(x, opts) : () => ck.globalAvgPool2d(x, { layout });
      let y;
      return { run: () => { y = f(); }, out: () => checksum(y.data) };
    },
    /** conv2d backward (dx, dw, db) of a conv workload. */
    convBackward(w, layout) {
      if (bf16 || int8) return null;
      const x = new ck.Tensor(data(w.N * w.C * w.H * w.W, 3), layout === 'nchw' ? [w.N, w.C, w.H, w.W] : [w.N, w.H, w.W, w.C]);
      const cg = w.C / w.groups;
      const wt = new ck.Tensor(data(w.K * cg * w.R * w.S, 4), layout === 'nchw' ? [w.K, cg, w.R, w.S] : [w.K, w.R, w.S, cg]);
      const dy = new ck.Tensor(data(w.N * w.K * w.OH * w.OW, 7), layout === 'nchw' ? [w.N, w.K, w.OH, w.OW] : [w.N, w.OH, w.OW, w.K]);
      const opts = { stride: w.stride, padding: w.pad, groups: w.groups, layout };
      let g;
      return { run: () => { g = ck.conv2dBackward(dy, x, wt, opts); }, out: () => checksum(g.dx.data) + checksum(g.dw.data) + checksum(g.db.data) };
    },
  };
}

module.exports = { make };
