// npm run bench [-- --only gemm,conv,pool,inproc,training,async,autograd,norm,elementwise,small,models,serve] [--workloads sq512,seed] [--peers convkit-native,onnxruntime-node]
//               [--threads 1,2] [--quick] [--duration 10 --mem-duration 60 (serve)]
// Runs the workloads of ../shared/bench/suite.json on convkit (native, ts) and its peers, each peer
// in its own process, and prints a table (median ms, rate, fraction of the hardware bound, ratio
// to the best peer); writes bench/results/<stamp>.json and .svg. inproc (bench/inproc.js): convkit
// native and onnxruntime-node in one process, runs interleaved, and convkit next to a busy thread.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { textReport, svgChart } = require('./report');
const { hardware, copyBandwidth } = require('./hardware');
const { EVICT_NOTE } = require('./evict');

const ALL_PEERS = ['convkit-native', 'convkit-bf16', 'convkit-int8', 'convkit-ts', 'onnxruntime-node', 'tfjs-wasm', 'tfjs-cpu'];
const SINGLE_THREADED = new Set(['convkit-ts', 'tfjs-wasm', 'tfjs-cpu']);

function parseArgs(argv) {
  const a = { only: 'gemm,conv,pool,inproc,training,async,autograd,norm,elementwise,small', peers: ALL_PEERS.join(','), threads: '1,2', workloads: '', quick: false, epochs: 3, duration: '', 'mem-duration': '' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (k === 'quick') { a.quick = true; continue; }
    if (!(k in a)) throw new Error(`unknown option --${k}`);
    a[k] = argv[++i];
  }
  return a;
}

function runChild(args, label) {
  process.stderr.write(`  ${label} ...\n`);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: path.resolve(__dirname, '..'), maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    process.stderr.write(`  ${label} failed (${r.status ?? r.signal}): ${r.stderr.slice(-600)}\n`);
  }
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  let kinds = args.only.split(',');
  // serve: the load test of examples/serve (bench/serve.js), its own tables; only when asked for.
  if (kinds.includes('serve')) {
    const pass = [...(args.quick ? ['--quick'] : []), ...['duration', 'mem-duration'].filter((k) => args[k]).flatMap((k) => [`--${k}`, args[k]])];
    spawnSync(process.execPath, [path.join(__dirname, 'serve.js'), ...pass], { stdio: 'inherit', cwd: path.resolve(__dirname, '..') });
    kinds = kinds.filter((k) => k !== 'serve');
    if (kinds.length === 0) return;
  }
  const threads = args.threads.split(',').map(Number);
  const peers = args.peers.split(',');
  const hw = hardware();
  const results = [];
  const setups = {};
  const benchKinds = kinds.join(',');
  for (const peer of kinds.every((k) => k === 'models' || k === 'inproc') ? [] : peers) {
    for (const t of threads) {
      if (t > 1 && SINGLE_THREADED.has(peer)) continue;
      const lines = runChild([path.join(__dirname, 'peer-runner.js'), peer, String(t), benchKinds, args.workloads], `${peer} ${t} thread(s)`);
      for (const l of lines) {
        if (l.setup) setups[`${l.peer}@${l.threads}`] = l.setup;
        else results.push(l);
      }
    }
  }
  if (kinds.includes('training') && (!args.workloads || args.workloads.includes('lenet5_mnist_epoch'))) {
    for (const backend of ['native', 'ts']) {
      if (!peers.includes(`convkit-${backend}`)) continue;
      for (const t of backend === 'ts' ? [1] : threads) {
        const epochs = backend === 'ts' || args.quick ? 1 : Number(args.epochs);
        results.push(...runChild([path.join(__dirname, 'train-epoch.js'), backend, String(t), String(epochs)], `lenet5 epoch on ${backend}, ${t} thread(s)`));
      }
    }
  }
  // The copy reference of the memory-bound tables (elementwise, norm): a streaming copy of the
  // sections' two sizes at each thread count, measured before and after those sections run.
  const copyRefs = {};
  const SECTION_SIZES = [{ tag: '8MB', bytes: 8 << 20, evict: true }, { tag: '64MB', bytes: 64 << 20, evict: false }];
  const measureCopyRefs = (when) => {
    for (const t of threads) {
      for (const z of SECTION_SIZES) {
        process.stderr.write(`  copy reference ${z.tag} ${t} thread(s), ${when} ...\n`);
        const c = copyBandwidth(z.bytes, t, z.evict);
        const k = `${z.tag}@${t}`;
        if (c) (copyRefs[k] ??= []).push({ when, ...c });
      }
    }
  };
  const memKinds = kinds.includes('elementwise') || kinds.includes('norm');
  if (memKinds) measureCopyRefs('before');
  // elementwise: the element-wise family (bench/elementwise.js), native and onnxruntime-node, GB/s.
  const ewRows = [];
  if (kinds.includes('elementwise')) {
    for (const [peer, child] of [['convkit-native', 'convkit'], ['onnxruntime-node', 'onnxruntime']]) {
      if (!peers.includes(peer)) continue;
      for (const t of threads) ewRows.push(...runChild([path.join(__dirname, 'elementwise.js'), child, String(t)], `elementwise ${peer}, ${t} thread(s)`));
    }
  }
  // One training step (forward, loss, backward, SGD) of SmallResNet and LeNet-5 at batch 64:
  // convkit (bench/train-step.js) and, where /usr/bin/python3 imports torch, PyTorch (torch-step.js).
  const stepRows = [];
  if (kinds.includes('training') && (!args.workloads || /train_step/.test(args.workloads))) {
    for (const backend of ['native', 'ts']) {
      if (!peers.includes(`convkit-${backend}`)) continue;
      for (const t of backend === 'ts' ? [1] : threads) stepRows.push(...runChild([path.join(__dirname, 'train-step.js'), backend, String(t)], `training steps on ${backend}, ${t} thread(s)`));
    }
    stepRows.push(...require('./torch-step').torchSteps(threads));
  }
  // async: what the async calls' input copies cost (bench/async-cost.js), native only.
  const asyncRows = [];
  if (kinds.includes('async') && peers.includes('convkit-native')) {
    for (const t of threads) asyncRows.push(...runChild([path.join(__dirname, 'async-cost.js'), String(t), args.workloads], `async cost, ${t} thread(s)`));
  }
  // autograd: what recording on the tape costs per op (bench/autograd-cost.js).
  const autogradRows = [];
  if (kinds.includes('autograd')) {
    for (const b of ['native', 'ts']) {
      if (peers.includes(`convkit-${b}`)) autogradRows.push(...runChild([path.join(__dirname, 'autograd-cost.js'), b], `autograd recording cost on ${b}`));
    }
  }
  // norm: batch norm and data movement (bench/norm.js), native and onnxruntime-node, GB/s.
  const normRows = [];
  if (kinds.includes('norm')) {
    for (const [peer, child] of [['convkit-native', 'convkit'], ['onnxruntime-node', 'onnxruntime']]) {
      if (!peers.includes(peer)) continue;
      for (const t of threads) normRows.push(...runChild([path.join(__dirname, 'norm.js'), child, String(t)], `norm ${peer}, ${t} thread(s)`));
    }
  }
  if (memKinds) measureCopyRefs('after');
  // small: the fixed cost of one call on tiny inputs (bench/small.js), convkit native and ts
  // and onnxruntime-node, us per call.
  const smallRows = [];
  if (kinds.includes('small')) {
    for (const [peer, child] of [['convkit-native', 'convkit-native'], ['convkit-ts', 'convkit-ts'], ['onnxruntime-node', 'onnxruntime']]) {
      if (!peers.includes(peer)) continue;
      for (const t of SINGLE_THREADED.has(peer) ? [1] : threads) smallRows.push(...runChild([path.join(__dirname, 'small.js'), child, String(t)], `small calls ${peer}, ${t} thread(s)`));
    }
    // Native again with V8's GC on the main thread alone: each call allocates its output
    // ArrayBuffer, whose memory V8 frees on background threads, and on the 2-vCPU VMs measured
    // that hand-off cost more than the kernel (a 256-float Float32Array: ~3 us in a loop,
    // 0.36 us with --single-threaded-gc). The column shows that share.
    if (peers.includes('convkit-native')) {
      for (const t of threads) {
        smallRows.push(...runChild(['--single-threaded-gc', path.join(__dirname, 'small.js'), 'convkit-native', String(t)], `small calls convkit-native --single-threaded-gc, ${t} thread(s)`)
          .map((r) => ({ ...r, peer: 'convkit-native-single-threaded-gc' })));
      }
    }
  }
  // The reference is the better of the two measurements (noise on this shared machine only slows).
  const copyRef = (tag, t) => Math.max(0, ...(copyRefs[`${tag}@${t}`] ?? []).map((c) => c.copyGBs));
  // models: whole ONNX models, convkit vs onnxruntime-node (bench/models.js); not in the default
  // set (about 10 minutes); needs the model cache (bench/models-cache.js, PyTorch to export).
  const models = kinds.includes('models') ? require('./models').modelsSection(threads, runChild, { names: args.workloads ? args.workloads.split(',') : null }) : { rows: [], report: () => {} };
  const modelRows = models.rows;
  // inproc: both peers in one process, interleaved; and a busy neighbour thread (bench/inproc.js).
  const inproc = kinds.includes('inproc') && peers.includes('convkit-native') && peers.includes('onnxruntime-node')
    ? require('./inproc').inprocSection(threads, runChild, { quick: args.quick, workloads: args.workloads }) : { rows: [], report: () => {} };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.join(__dirname, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const meta = { date: new Date().toISOString(), host: os.hostname(), cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, hardware: hw, setups };
  fs.writeFileSync(path.join(outDir, `${stamp}.json`), JSON.stringify({ meta, results, async: asyncRows, autograd: autogradRows, trainingSteps: stepRows, norm: normRows, elementwise: ewRows, small: smallRows, copyRefs, models: modelRows, inproc: inproc.rows }, null, 1));
  fs.writeFileSync(path.join(outDir, `${stamp}.svg`), svgChart(results, `convkit benchmark ${meta.date.slice(0, 16)} (${meta.cpu})`));
  console.log(`# convkit benchmark, ${meta.date}\n${meta.cpu}, ${meta.cores} cores, Node ${meta.node}`);
  if (hw.peakGflops) {
    console.log(`measured (native/bench/fma-peak): FMA peak ${hw.peakGflops.toFixed(1)} GFLOP/s on 1 core (zmm; ymm ${hw.peakGflopsAvx2.toFixed(1)}), ${hw.peakGflopsAll.toFixed(1)} on ${hw.threads}; ` +
      `read bandwidth ${hw.bandwidthGBs.toFixed(1)} GB/s on 1 thread, ${hw.bandwidthGBsAll.toFixed(1)} on ${hw.threads}. "of bound" = native 1T rate / the 1-core figure.` +
      (hw.bf16DotGflops ? ` Dot-product peaks on 1 core: bf16 (vdpbf16ps) ${hw.bf16DotGflops.toFixed(1)} GFLOP/s, int8 (vpdpbusd) ${hw.int8DotGops.toFixed(1)} GOP/s.` : ''));
  } else if (hw.error) console.log(`hardware bounds unavailable: ${hw.error}`);
  for (const [k, v] of Object.entries(setups)) console.log(`  ${k.replace('@', ' @ ')}T: ${v}`);
  console.log(`\n${textReport(results, hw)}`);
  const errors = results.filter((r) => r.error);
  for (const e of errors) console.log(`error: ${e.peer} ${e.workload} ${e.layout ?? ''}: ${e.error}`);
  if (asyncRows.length) {
    console.log('\n## async: the cost of copying inputs (a caller may detach them mid-call), native, median ms');
    console.log('| workload | threads | inputs MB | sync | async | async - sync | memcpy of inputs |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of asyncRows) {
      const d = r.asyncMs - r.syncMs;
      console.log(`| ${r.workload} | ${r.threads} | ${(r.inputBytes / 2 ** 20).toFixed(2)} | ${r.syncMs.toFixed(3)} | ${r.asyncMs.toFixed(3)} | ` +
        `${d >= 0 ? '+' : ''}${d.toFixed(3)} (${(100 * d / r.syncMs).toFixed(0)}%) | ${r.copyMs.toFixed(3)} (${(100 * r.copyMs / r.syncMs).toFixed(0)}%) |`);
    }
  }
  if (autogradRows.length) {
    console.log('\n## autograd: recording on the tape, 1 thread, median us per call (1,000-call runs, interleaved)');
    console.log('| op | backend | no grad | input requires grad | recording cost |');
    console.log('|---|---|---|---|---|');
    for (const r of autogradRows) {
      console.log(`| ${r.case} | ${r.backend} | ${r.plainUs.toFixed(2)} | ${r.gradUs.toFixed(2)} | ${(r.gradUs - r.plainUs).toFixed(2)} |`);
    }
  }
  // The memory-bound tables: convkit native beside onnxruntime-node, same op, size and threads.
  const memTable = (rows, title, withLayout) => {
    const bw = (t) => (t > 1 ? hw.bandwidthGBsAll : hw.bandwidthGBs);
    const gbs = (x) => x.bytes / x.median / 1e6;
    const pct = (v, ref) => (ref ? `${(100 * v / ref).toFixed(0)}%` : '-');
    console.log(`\n## ${title}, median`);
    console.log('GB/s = (bytes read + bytes written) / time. "of copy" = that / the copy reference: a streaming AVX-512 copy of the same size ' +
      '(8 MB into 8 MB with caches evicted before each run; 64 MB into 64 MB without), ordinary stores as in every convkit kernel, ' +
      'on the same thread count, measured in this run before and after these sections (build-core/fma-peak --copy; the better of the two). ' +
      'Every ordinary store first reads its line, so the copy moves 3 bytes on the bus per 2 counted: 100% is the ceiling for a kernel that reads ' +
      'as much as it writes; one that reads more (add: 2 reads a write; the sum only reads) can pass it, a write-heavy one (upsample x2 reads a quarter ' +
      'of what it writes: 2.25 bus bytes per 1.25 counted) tops out near 83% of it (1.5 / 1.8). ' +
      '"of read bw" = GB/s / the streaming-read bandwidth of a 1 GiB array (fma-peak): reads only, a different ceiling, kept for comparison. ' +
      '"write-only" = a fill of the same size (ordinary stores, no loads): the time of writing alone bounds a write-heavy kernel from below ' +
      '(upsample x2 into 8 MB takes at least 8 MB / that).');
    for (const [k, v] of Object.entries(copyRefs)) {
      console.log(`  copy reference ${k.replace('@', ' @ ')}T: ${v.map((c) => `${c.when} ${c.copyGBs.toFixed(1)} GB/s (non-temporal stores ${c.copyNtGBs.toFixed(1)}; write-only ${c.fillGBs === null ? '- (rebuild build-core)' : c.fillGBs.toFixed(1)})`).join(', ')}`);
    }
    console.log(`${EVICT_NOTE}; outputs preallocated on both sides. onnxruntime: ms = its own model_run time from its profiler; ` +
      'run() = session.run() end to end, which also copies every output into a fresh ArrayBuffer (the binding\'s cost, bench/peers/ort-timing.js)');
    console.log(`| op | size |${withLayout ? ' layout |' : ''} threads | convkit ms | GB/s | of copy | of read bw | onnxruntime ms | GB/s | run() ms | convkit / onnxruntime |`);
    console.log(`|---|---|${withLayout ? '---|' : ''}---|---|---|---|---|---|---|---|---|`);
    for (const r of rows.filter((x) => x.peer === 'convkit-native')) {
      const o = rows.find((x) => x.peer === 'onnxruntime-node' && x.op === r.op && x.size === r.size && x.layout === r.layout && x.threads === r.threads && !x.error);
      if (r.error) { console.log(`| ${r.op} | ${r.size} | error: ${r.error} |`); continue; }
      console.log(`| ${r.op} | ${r.size}${r.evict ? ' evicted' : ''} |${withLayout ? ` ${r.layout} |` : ''} ${r.threads} | ${r.median.toFixed(3)} | ${gbs(r).toFixed(1)} | ` +
        `${pct(gbs(r), copyRef(r.size, r.threads))} | ${pct(gbs(r), bw(r.threads))} | ${o ? o.median.toFixed(3) : '-'} | ${o ? gbs(o).toFixed(1) : '-'} | ` +
        `${o && o.runMedian ? o.runMedian.toFixed(1) : '-'} | ${o ? (r.median / o.median).toFixed(2) : '-'} |`);
    }
    for (const e of rows.filter((x) => x.error && x.peer !== 'convkit-native')) console.log(`${e.peer} ${e.op} ${e.size}: ${e.error}`);
  };
  if (ewRows.length) memTable(ewRows, 'elementwise: element-wise family and last-axis sum', false);
  if (normRows.length) memTable(normRows, 'norm: batch norm and data movement', true);
  if (smallRows.length) {
    console.log('\n## small: one call on tiny inputs, median us per call (batches of 1,000 calls; onnxruntime: 200 awaited run() calls)');
    console.log('Public ops end to end (checks, shape info, output Tensor, kernel). onnxruntime: run() of a one-node model, and ORT\'s own model_run from its profiler (whole us).');
    console.log('"best" = the fastest batch (what a call costs when nothing else runs: medians on a busy machine include other processes\' time slices).');
    console.log('"single-threaded GC": the native column with `node --single-threaded-gc` (V8 frees the outputs\' memory on the main thread instead of handing it to background threads).');
    console.log('| op | threads | convkit native | native best | native, single-threaded GC | convkit ts | ts best | onnxruntime run() | onnxruntime model_run |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    const ops = [...new Set(smallRows.map((r) => r.op))];
    for (const op of ops) {
      for (const t of threads) {
        const get = (p, tt = t) => smallRows.find((r) => r.op === op && r.peer === p && r.threads === tt && !r.error);
        const [n, ts, o] = [get('convkit-native'), t === threads[0] ? get('convkit-ts', 1) : null, get('onnxruntime-node')];
        const st = get('convkit-native-single-threaded-gc');
        const f = (v) => (v === undefined ? '-' : v.toFixed(2));
        console.log(`| ${op} | ${t} | ${f(n?.us)} | ${f(n?.minUs)} | ${f(st?.us)} | ${f(ts?.us)} | ${f(ts?.minUs)} | ${f(o?.us)} | ${f(o?.modelRunUs)} |`);
      }
    }
  }
  if (stepRows.length) {
    console.log('\n## training step (forward, cross-entropy, backward, SGD momentum), batch 64, median ms');
    console.log('| model | threads | convkit native | convkit ts | PyTorch | convkit / PyTorch |');
    console.log('|---|---|---|---|---|---|');
    for (const w of ['small_resnet_train_step', 'lenet5_train_step']) {
      for (const t of threads) {
        const get = (peer) => stepRows.find((r) => r.workload === w && r.peer === peer && r.threads === t && !r.error);
        const [n, ts, pt] = [get('convkit-native'), t === 1 ? get('convkit-ts') : null, get('pytorch')];
        const f = (r) => (r ? r.median.toFixed(2) : '-');
        console.log(`| ${w} | ${t} | ${f(n)} | ${f(ts)} | ${f(pt)} | ${n && pt ? (n.median / pt.median).toFixed(2) : '-'} |`);
      }
    }
  }
  const trainRows = results.filter((r) => r.workload === 'lenet5_mnist_epoch');
  const tsEpoch = trainRows.find((r) => r.peer === 'convkit-ts');
  for (const r of trainRows) {
    console.log(`lenet5_mnist_epoch on ${r.peer} ${r.threads}T: ${(r.median / 1000).toFixed(2)} s per epoch (median of ${r.runs}), test accuracy ${(100 * r.testAccuracy).toFixed(2)}%` +
      (tsEpoch && r !== tsEpoch ? `, ${(tsEpoch.median / r.median).toFixed(1)}x faster than ts` : ''));
  }
  inproc.report(results);
  models.report();
  console.log(`\nwrote ${path.relative(process.cwd(), path.join(outDir, `${stamp}.json`))} and .svg`);
}

main();
