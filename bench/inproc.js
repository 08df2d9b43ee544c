// npm run bench -- --only inproc: convkit native and onnxruntime-node in ONE process, their
// runs interleaved run by run (A B A B ...), on the gemm, conv and pool workloads of the suite;
// and convkit next to a busy neighbour thread. Besides the separate-process tables (each peer
// alone in its process, its thread pool alone), this is how an application that uses both
// runs: two thread pools in one process, onnxruntime's workers spin-waiting between its runs.
//
// Run as a child: node bench/inproc.js <threads> [workloads] [--quick]
// prints JSON lines:
//   { section: 'inproc', workload, kind, threads, convkit, onnxruntime, runs }  (ms, medians;
//     runs alternate run by run: convkit, onnxruntime, convkit, ...)
//   { section: 'neighbour', workload, kind, threads, alone, busy, rounds }: convkit alone, and
//     with a worker_thread spinning a CPU-bound loop (rounds alternate alone / busy).
'use strict';
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { loadSuite } = require('./workloads');

const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

/** Calls fn, awaiting it only when it returns a promise (a sync kernel is timed without a microtask). */
async function call(fn) { const r = fn(); if (r && typeof r.then === 'function') await r; }

/** The median of runs of fn (sync or async) over at least `ms` and 3 runs, after one warm-up. */
async function timeRound(fn, ms) {
  const call = async () => { const r = fn(); if (r && typeof r.then === 'function') await r; };
  await call();
  const times = [];
  const start = now();
  while (times.length < 3 || (now() - start < ms && times.length < 200)) {
    const t0 = now();
    const r = fn();
    if (r && typeof r.then === 'function') await r;
    times.push(now() - t0);
  }
  return median(times);
}

// The neighbour: a worker_thread spinning on arithmetic while flag[0] is 1, asleep otherwise.
function startNeighbour() {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const src = `
    const { workerData } = require('node:worker_threads');
    const flag = workerData;
    let x = 0;
    for (;;) {
      Atomics.wait(flag, 0, 0);
      while (Atomics.load(flag, 0) === 1) for (let i = 0; i < 100000; i++) x = (x * 1.0000001 + 1) % 1e9;
      if (Atomics.load(flag, 0) === 2) break;
    }`;
  const w = new Worker(src, { eval: true, workerData: flag });
  const set = (v) => { Atomics.store(flag, 0, v); Atomics.notify(flag, 0); };
  return { busy: () => set(1), idle: () => set(0), stop: () => { set(2); return w.terminate(); } };
}

async function main() {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const [threadsArg, namesArg] = args.filter((a) => !a.startsWith('--'));
  const threads = Number(threadsArg);
  const only = namesArg ? new Set(namesArg.split(',')) : null;
  const rounds = quick ? 3 : 5, roundMs = quick ? 60 : 150;  // the neighbour rows
  const minRuns = quick ? 5 : 9, budgetMs = quick ? 400 : 1200;  // the interleaved rows
  const ck = require('./peers/convkit').make('native');
  const ort = require('./peers/onnxruntime');
  await ck.setup(threads);
  await ort.setup(threads);
  const emit = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
  const suite = loadSuite();
  const jobs = [];
  for (const w of suite.gemm) jobs.push([w, 'gemm']);
  for (const w of suite.conv) jobs.push([w, 'conv2d']);
  for (const w of suite.pool) jobs.push([w, 'pool']);

  for (const [w, method] of jobs) {
    if (only && !only.has(w.name)) continue;
    if (quick && w.name === 'sq2048') continue;
    try {
      const a = await ck[method](w, 'nchw');
      const b = await ort[method](w, 'nchw');
      // Run by run, A B A B ... (as bench/models.js does): each side starts right after the
      // other's run, as in an application alternating them (onnxruntime's workers still spin).
      const ta = [], tb = [];
      await call(a.run);
      await call(b.run);
      const start = now();
      while (ta.length < minRuns || (now() - start < budgetMs && ta.length < 400)) {
        let t0 = now();
        await call(a.run);
        ta.push(now() - t0);
        t0 = now();
        await call(b.run);
        tb.push(now() - t0);
      }
      emit({ section: 'inproc', workload: w.name, kind: w.kind, threads, convkit: median(ta), onnxruntime: median(tb), runs: ta.length });
    } catch (e) {
      emit({ section: 'inproc', workload: w.name, kind: w.kind, threads, error: String(e && e.message) });
    }
  }

  // The busy neighbour, on the compute-bound rows: GEMM sq512 / sq1024 and three convolutions.
  const NEIGHBOUR_ROWS = new Set(['sq512', 'sq1024', 'r3x3_56', 'r1x1_56', 'r50_conv1']);
  const nb = startNeighbour();
  for (const [w, method] of jobs) {
    if (!NEIGHBOUR_ROWS.has(w.name) || (only && !only.has(w.name))) continue;
    const a = await ck[method](w, 'nchw');
    const alone = [], busy = [];
    for (let r = 0; r < rounds; r++) {
      nb.idle();
      alone.push(await timeRound(a.run, roundMs));
      nb.busy();
      await new Promise((res) => setTimeout(res, 5));  // let the neighbour get going
      busy.push(await timeRound(a.run, roundMs));
    }
    nb.idle();
    emit({ section: 'neighbour', workload: w.name, kind: w.kind, threads, alone: median(alone), busy: median(busy), rounds });
  }
  await nb.stop();
}

/**
 * The section for bench/run.js: runs this file as a child per thread count; report(results)
 * prints the interleaved ratios beside the separate-process ones (from `results`, the peer
 * runners' rows, when the same run measured them) and the busy-neighbour table.
 */
function inprocSection(threadsList, runChild, { quick = false, workloads = '' } = {}) {
  const rows = [];
  for (const t of threadsList) {
    rows.push(...runChild([path.join(__dirname, 'inproc.js'), String(t), workloads, ...(quick ? ['--quick'] : [])], `inproc convkit + onnxruntime, ${t} thread(s)`));
  }
  const report = (results) => {
    const f = (v, d = 3) => (v === undefined ? '-' : v.toFixed(d));
    console.log('\n## inproc: convkit native and onnxruntime-node in one process, runs interleaved, median ms (nchw)');
    console.log('Runs alternate convkit, onnxruntime, convkit, ... (each starts right after the other\'s run, onnxruntime\'s idle workers still spinning). ' +
      '"separate" = the same workload from the per-peer processes above, when this run measured them.');
    console.log('| workload | threads | convkit | onnxruntime | interleaved ck / ort | separate ck / ort |');
    console.log('|---|---|---|---|---|---|');
    const gm = {};
    for (const r of rows.filter((x) => x.section === 'inproc')) {
      if (r.error) { console.log(`| ${r.workload} | ${r.threads} | error: ${r.error} |`); continue; }
      const sep = (p) => results.find((x) => x.peer === p && x.workload === r.workload && x.threads === r.threads && (x.layout ?? 'nchw') === 'nchw' && !x.error);
      const c = sep('convkit-native'), o = sep('onnxruntime-node');
      const ratio = r.convkit / r.onnxruntime;
      (gm[r.threads] ??= []).push(ratio);
      console.log(`| ${r.workload} | ${r.threads} | ${f(r.convkit)} | ${f(r.onnxruntime)} | ${f(ratio, 2)} | ${c && o ? f(c.median / o.median, 2) : '-'} |`);
    }
    for (const [t, v] of Object.entries(gm)) {
      console.log(`${t} thread(s): interleaved convkit / onnxruntime geometric mean ${Math.exp(v.reduce((s, x) => s + Math.log(x), 0) / v.length).toFixed(3)} over ${v.length} rows`);
    }
    const nbRows = rows.filter((x) => x.section === 'neighbour');
    if (nbRows.length) {
      console.log('\n## neighbour: convkit native with a busy neighbour thread in the process (a worker_thread spinning a CPU-bound loop), median ms');
      console.log('Rounds alternate alone / busy. With as many threads as cores (c), the neighbour makes c + 1 busy threads: a fair share leaves convkit c/(c+1) of the machine, so busy / alone near (c+1)/c is as good as it gets; with fewer threads than cores it can stay near 1.');
      console.log('| workload | threads | alone | busy neighbour | busy / alone |');
      console.log('|---|---|---|---|---|');
      for (const r of nbRows) console.log(`| ${r.workload} | ${r.threads} | ${f(r.alone)} | ${f(r.busy)} | ${f(r.busy / r.alone, 2)} |`);
    }
  };
  return { rows, report };
}

module.exports = { inprocSection };

if (require.main === module) main().catch((e) => { process.stderr.write(`${e.stack}\n`); process.exit(1); });
