// PyTorch's training step as a peer for `npm run bench -- --only training`: runs
// bench/peers/torch_step.py (forward, cross-entropy, backward, SGD momentum step, batch 64,
// [64, 1, 28, 28] random digits) for SmallResNet and LeNet-5 in its own Python process per
// (model, threads), when /usr/bin/python3 can import torch; otherwise says so and skips.
// The environment passes through: OMP_WAIT_POLICY=PASSIVE stops libgomp's idle threads spinning
// (its default), which on a loaded machine makes PyTorch's 2-thread steps many times slower.
// Standalone: node bench/torch-step.js [--threads 1,2]
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const PYTHON = process.env.CONVKIT_BENCH_PYTHON || '/usr/bin/python3';
const SCRIPT = path.join(__dirname, 'peers', 'torch_step.py');
const BATCH = 64;
/** Model -> [suite-style workload name, timed steps]. */
const MODELS = { 'small-resnet': ['small_resnet_train_step', 15], lenet5: ['lenet5_train_step', 40] };

/** Whether PYTHON can import torch (null) or why not (a string). */
function torchUnavailable() {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60000 });
  if (r.error) return `${PYTHON}: ${r.error.code ?? r.error.message}`;
  if (r.status !== 0) return `${PYTHON} -c "import torch" failed: ${(r.stderr || '').trim().split('\n').pop()}`;
  return null;
}

/**
 * Times PyTorch's training step for each model at each thread count; returns result rows in
 * run.js's format (peer 'pytorch', kind 'training', method 'train', median / min in ms) plus
 * model, batch and the torch version. [] (after a line on stderr) when PyTorch is not available.
 */
function torchSteps(threads = [1, 2], { log = (s) => process.stderr.write(s) } = {}) {
  const why = torchUnavailable();
  if (why) {
    log(`  PyTorch is not available (${why}); skipping the pytorch training-step peer\n`);
    return [];
  }
  const rows = [];
  for (const [model, [workload, steps]] of Object.entries(MODELS)) {
    for (const t of threads) {
      log(`  pytorch ${model} training step, ${t} thread(s) ...\n`);
      const args = [SCRIPT, '--model', model, '--threads', String(t), '--batch', String(BATCH), '--steps', String(steps)];
      const r = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: 300000, env: { ...process.env, OMP_NUM_THREADS: String(t) } });
      const line = r.status === 0 ? r.stdout.trim().split('\n').pop() : null;
      if (!line) {
        const error = `torch_step.py failed (${r.status ?? r.signal ?? r.error?.code}): ${(r.stderr || '').slice(-400)}`;
        log(`  ${error}\n`);
        rows.push({ peer: 'pytorch', threads: t, workload, kind: 'training', method: 'train', layout: 'nchw', error });
        continue;
      }
      const o = JSON.parse(line);
      rows.push({
        peer: 'pytorch', threads: o.threads, workload, kind: 'training', method: 'train', layout: 'nchw',
        median: o.median_ms, min: o.min_ms, runs: o.runs, flops: null, bytes: null, model: o.model, batch: o.batch, torch: o.torch, ompWaitPolicy: o.omp_wait_policy,
      });
    }
  }
  return rows;
}

module.exports = { torchSteps, torchUnavailable };

if (require.main === module) {
  const i = process.argv.indexOf('--threads');
  const threads = (i > 0 ? process.argv[i + 1] : '1,2').split(',').map(Number);
  const rows = torchSteps(threads);
  console.log('| model | threads | batch | median ms | min ms | runs | torch | OMP_WAIT_POLICY |\n|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(r.error ? `| ${r.workload} | ${r.threads} | error: ${r.error} |`
      : `| ${r.model} | ${r.threads} | ${r.batch} | ${r.median.toFixed(2)} | ${r.min.toFixed(2)} | ${r.runs} | ${r.torch} | ${r.ompWaitPolicy} |`);
  }
}
