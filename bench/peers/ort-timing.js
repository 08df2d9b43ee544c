// onnxruntime-node in the memory-bound tables (bench/elementwise.js, bench/norm.js): sessions
// and their timing.
//
// Why not time session.run(): onnxruntime-node (1.30) returns every output in a new ArrayBuffer,
// even when the fetches are preallocated: ORT writes the preallocated tensor, then the binding
// copies it into a fresh ArrayBuffer (napi_create_arraybuffer). Measured here on a 64 MB Relu:
// process.resourceUsage().minorPageFault rises by ~16,400 per run with preallocated fetches
// (64 MB of first-touch pages) and ~32,800 without (ORT's own output too), and run() takes
// 200-600 ms while ORT's profiler puts the Relu kernel at 5-10 ms. That copy is the binding's
// cost, not the kernel's, so the tables take ORT's own `model_run` time from its profiler
// (enableProfiling: one event per run, executor and kernels, inputs already bound, before the
// binding's copy) and show run() end to end beside it. The CPU memory arena stays on (ORT's
// default): with preallocated outputs it only serves intermediates (e.g. Sigmoid's output in the
// silu graph), which it then reuses instead of faulting fresh pages every run.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

let seq = 0;

/** An onnxruntime-node session on `threads` intra-op threads, profiling on. */
async function ortSession(model, threads) {
  const ort = require('onnxruntime-node');
  const prefix = `convkit-ort-${process.pid}-${seq++}`;
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    enableProfiling: true, profileFilePrefix: path.join(os.tmpdir(), prefix),
  });
  return { session, prefix };
}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/**
 * Runs s.session on feeds/fetches: `warmup` runs, then timed runs (at least minRuns and minMs of
 * run() time, at most maxMs), `before` (e.g. a cache eviction) untimed ahead of each. Returns
 * { median: ms, ORT's model_run from its profiler; runMedian: ms of run() end to end; runs }.
 */
async function measureOrt(s, feeds, fetches, { warmup = 2, minRuns = 7, minMs = 300, maxMs = 3000, before = null } = {}) {
  for (let i = 0; i < warmup; i++) await s.session.run(feeds, fetches);
  const times = [];
  const start = performance.now();
  for (;;) {
    if (before) before();
    const t0 = performance.now();
    await s.session.run(feeds, fetches);
    times.push(performance.now() - t0);
    const spent = performance.now() - start;
    if ((times.length >= minRuns && spent >= minMs) || spent >= maxMs) break;
  }
  s.session.endProfiling();
  const files = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(s.prefix) && f.endsWith('.json'));
  const runs = [];
  for (const f of files) {
    const file = path.join(os.tmpdir(), f);
    for (const e of JSON.parse(fs.readFileSync(file, 'utf8'))) {
      if (e.cat === 'Session' && e.name === 'model_run') runs.push(e);
    }
    fs.rmSync(file, { force: true });
  }
  runs.sort((a, b) => a.ts - b.ts);
  if (runs.length !== warmup + times.length) throw new Error(`onnxruntime profile: ${runs.length} model_run events for ${warmup + times.length} runs`);
  return { median: median(runs.slice(warmup).map((e) => e.dur / 1000)), runMedian: median(times), runs: times.length };
}

module.exports = { ortSession, measureOrt };
