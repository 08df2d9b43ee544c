// npm run bench -- --only async: what the async calls' safety costs (issue 10). An async call
// copies every input before it returns (a caller may detach or change it while the kernel runs;
// native/napi/arrays.h), and hands the kernel a private output. Per workload, interleaved in one
// process: the sync op, the async op awaited alone, and a memcpy of the inputs (the copies' own
// cost), all on the native backend. Prints one JSON line per workload.
'use strict';
const ck = require('..');
const { loadSuite, data } = require('./workloads');
const { measure } = require('./timing');

const threads = Number(process.argv[2] ?? 1);
const only = (process.argv[3] ?? '').split(',').filter(Boolean);
ck.setBackend('native');
ck.setNumThreads(threads);

function cases() {
  const s = loadSuite();
  const pick = (list, names) => list.filter((w) => names.includes(w.name) && (only.length === 0 || only.includes(w.name)));
  const out = [];
  for (const g of pick(s.gemm, ['sq256', 'sq1024', 'fc_b64'])) {
    const a = new ck.Tensor(data(g.M * g.K, 1), [g.M, g.K]), b = new ck.Tensor(data(g.K * g.N, 2), [g.K, g.N]);
    out.push({ name: g.name, inputs: [a, b], sync: () => ck.gemm(a, b), async: () => ck.gemmAsync(a, b) });
  }
  for (const c of pick(s.conv, ['seed', 'r3x3_56', 'r1x1_56', 'r50_conv1'])) {
    const x = new ck.Tensor(data(c.N * c.C * c.H * c.W, 1), [c.N, c.C, c.H, c.W]);
    const w = new ck.Tensor(data(c.K * (c.C / c.groups) * c.R * c.S, 2), [c.K, c.C / c.groups, c.R, c.S]);
    const o = { stride: c.stride, padding: c.pad, groups: c.groups };
    out.push({ name: c.name, inputs: [x, w], sync: () => ck.conv2d(x, w, o), async: () => ck.conv2dAsync(x, w, o) });
  }
  for (const p of pick(s.pool, ['max2x2_112', 'avg3x3_56'])) {
    const x = new ck.Tensor(data(p.N * p.C * p.H * p.W, 1), [p.N, p.C, p.H, p.W]);
    const o = { kernel: p.kernel, stride: p.stride, padding: p.pad };
    const [sync, async] = p.op === 'max' ? [ck.maxPool2d, ck.maxPool2dAsync] : [ck.avgPool2d, ck.avgPool2dAsync];
    out.push({ name: p.name, inputs: [x], sync: () => sync(x, o), async: () => async(x, o) });
  }
  return out;
}

async function main() {
  for (const c of cases()) {
    const bytes = c.inputs.reduce((s, t) => s + t.size * 4, 0);
    const copy = () => { for (const t of c.inputs) t.data.slice(); };
    const r = { sync: [], async: [], copy: [] };
    // Interleaved rounds: the machine is shared, so neighbours hit all three alike.
    for (let round = 0; round < 5; round++) {
      r.sync.push((await measure(c.sync, { minMs: 150, maxMs: 1500 })).median);
      r.async.push((await measure(c.async, { minMs: 150, maxMs: 1500 })).median);
      r.copy.push((await measure(copy, { minMs: 50, maxMs: 500 })).median);
    }
    const med = (a) => a.sort((p, q) => p - q)[a.length >> 1];
    console.log(JSON.stringify({ workload: c.name, threads, inputBytes: bytes, syncMs: med(r.sync), asyncMs: med(r.async), copyMs: med(r.copy) }));
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
