// The fused conv2d epilogue against the unfused sequence, convkit native only (no peer has
// this row in ../shared/bench/suite.json, which is read-only here): a ResNet basic block's
// second conv, 3x3 64->64 on 56x56 (the suite's r3x3_56 and r3x3_56_b8), bias, then
//   fused:   conv2d(x, w, { bias, residual, activation: 'relu' })
//   unfused: conv2d(x, w, { bias }), then + residual (a JS loop over the output: there is no
//            native add op yet), then relu (the native element-wise op)
// Both layouts, 1 and 2 threads; medians (bench/timing.js). Run in its own process:
//   node bench/fused-epilogue.js [threads,...]
'use strict';
const ck = require('../dist/index.js');
const { measure } = require('./timing');
const { data } = require('./workloads');

async function main() {
  const threads = (process.argv[2] ?? '1,2').split(',').map(Number);
  ck.setBackend('native');
  const rows = [];
  for (const t of threads) {
    ck.setNumThreads(t);
    for (const N of [1, 8]) {
      for (const layout of ['nchw', 'nhwc']) {
        const xs = layout === 'nchw' ? [N, 64, 56, 56] : [N, 56, 56, 64];
        const ws = layout === 'nchw' ? [64, 64, 3, 3] : [64, 3, 3, 64];
        const x = new ck.Tensor(data(N * 64 * 56 * 56, 1), xs);
        const w = new ck.Tensor(data(64 * 64 * 9, 2).map((v) => v / 24), ws);
        const bias = new ck.Tensor(data(64, 3), [64]);
        const residual = new ck.Tensor(data(N * 64 * 56 * 56, 4), xs);
        const opts = { padding: 1, bias, layout };
        const fused = () => ck.conv2d(x, w, { ...opts, residual, activation: 'relu' });
        const unfused = () => {
          const y = ck.conv2d(x, w, opts);
          const yd = y.data, rd = residual.data;
          for (let i = 0; i < yd.length; i++) yd[i] += rd[i];
          return ck.relu(y);
        };
        const conly = () => ck.conv2d(x, w, opts);
        // the same answer
        const a = fused().data, b = unfused().data;
        let d = 0;
        for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        if (d > 1e-4) throw new Error(`fused and unfused differ by ${d}`);
        const f = await measure(fused), u = await measure(unfused), c = await measure(conly);
        rows.push({ threads: t, N, layout, path: 'winograd/igemm', convOnlyMs: c.median, fusedMs: f.median, unfusedMs: u.median, speedup: u.median / f.median });
      }
    }
  }
  console.log('conv 3x3 64->64 56x56 + bias + residual + relu, convkit native, median ms');
  console.log('threads  N  layout  conv-only  fused  unfused(conv, JS add, native relu)  unfused/fused');
  for (const r of rows) {
    console.log(`${String(r.threads).padStart(7)} ${String(r.N).padStart(2)}  ${r.layout}    ${r.convOnlyMs.toFixed(3).padStart(7)}  ${r.fusedMs.toFixed(3).padStart(6)}  ${r.unfusedMs.toFixed(3).padStart(8)}  ${r.speedup.toFixed(2)}x`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
