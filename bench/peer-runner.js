// Child process: times one peer at one thread count over the selected workloads and prints
// one JSON line per result. Each peer runs in its own process, as in real use, so no two
// thread pools share a process.
'use strict';
const { loadSuite } = require('./workloads');
const { measure } = require('./timing');

const PEERS = {
  'convkit-native': () => require('./peers/convkit').make('native'),
  'convkit-ts': () => require('./peers/convkit').make('ts'),
  'convkit-bf16': () => require('./peers/convkit').make('native', 'bf16'),
  'convkit-int8': () => require('./peers/convkit').make('native', 'int8'),
  'onnxruntime-node': () => require('./peers/onnxruntime'),
  'tfjs-wasm': () => require('./peers/tfjs').make('wasm'),
  'tfjs-cpu': () => require('./peers/tfjs').make('cpu'),
};

/** Slow peers (pure JS) get fewer runs so the whole suite stays within minutes. */
function budget(peerName) {
  return peerName === 'convkit-ts' || peerName === 'tfjs-cpu'
    ? { warmup: 1, minRuns: 3, minMs: 300, maxMs: 3000 }
    : { warmup: 3, warmupMs: 200, minRuns: 7, minMs: 500, maxMs: 4000 };
}

async function main() {
  const [peerName, threadsArg, kindsArg, namesArg] = process.argv.slice(2);
  const peer = PEERS[peerName]();
  const threads = Number(threadsArg);
  const kinds = kindsArg.split(',');
  const only = namesArg ? new Set(namesArg.split(',')) : null;
  const emit = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
  emit({ peer: peer.name, threads, setup: await peer.setup(threads) });
  const suite = loadSuite();
  const jobs = [];
  for (const w of suite.gemm) if (kinds.includes('gemm')) jobs.push([w, 'gemm', null]);
  for (const w of suite.conv) if (kinds.includes('conv')) for (const l of peer.layouts) jobs.push([w, 'conv2d', l]);
  for (const w of suite.pool) if (kinds.includes('pool')) for (const l of peer.layouts) jobs.push([w, 'pool', l]);
  if (kinds.includes('training') && peer.convBackward) {
    const base = suite.conv.find((c) => c.name === 'r3x3_56_b8');
    for (const l of peer.layouts) {
      jobs.push([{ ...base, name: 'r3x3_56_b8_backward', flops: 2 * base.flops }, 'convBackward', l]);
      jobs.push([base, 'conv2d', l]);
    }
  }
  for (const [w, method, layout] of jobs) {
    if (only && !only.has(w.name)) continue;
    try {
      const job = await peer[method](w, layout);
      if (!job) continue;
      const t = await measure(job.run, budget(peer.name));
      emit({ peer: peer.name, threads, workload: w.name, kind: w.kind, method, layout, ...t, flops: w.flops ?? null, bytes: w.bytes ?? null, memoryBound: Boolean(w.memoryBound), checksum: job.out() });
    } catch (e) {
      emit({ peer: peer.name, threads, workload: w.name, method, layout, error: String(e && e.message) });
    }
  }
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack}\n`);
  process.exit(1);
});
