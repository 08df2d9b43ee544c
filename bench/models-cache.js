// The benchmark's ONNX models (full-width torchvision resnet18, resnet50, mobilenet_v2,
// squeezenet1_1, efficientnet_b0; random init; input [N, 3, 224, 224], N dynamic; opset 13),
// exported by scripts/make-onnx-bench-models.py into bench/.cache/models/ (not in git), each
// with PyTorch's outputs at batch 1 and 4 (<name>.safetensors: input_b1, output_b1, input_b4,
// output_b4).
//
//   const { ensureModels } = require('./models-cache');
//   const cache = ensureModels();   // { dir, models: { resnet18: { onnx, io }, ... } }
//                                   // or { dir: null, models: null, reason } without PyTorch
//
// `node bench/models-cache.js` ensures the cache and checks every model on onnxruntime-node at
// batch 1 and 4 against PyTorch's outputs (max relative error, over the output's max |value|).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..');
const DEFAULT_DIR = path.join(__dirname, '.cache', 'models');
const MODEL_NAMES = ['resnet18', 'resnet50', 'mobilenet_v2', 'squeezenet1_1', 'efficientnet_b0'];
const PYTHON = '/usr/bin/python3';

function files(dir, name) {
  return { onnx: path.join(dir, `${name}.onnx`), io: path.join(dir, `${name}.safetensors`) };
}

/**
 * Makes sure the models (default all) are in dir (default bench/.cache/models), running the
 * export script for the missing ones when `python` (default /usr/bin/python3) can import torch and torchvision.
 * Returns { dir, models: { name: { onnx, io } } }, or { dir: null, models: null, reason }.
 */
function ensureModels({ dir = DEFAULT_DIR, names = MODEL_NAMES, python = PYTHON, log = (s) => process.stderr.write(`${s}\n`) } = {}) {
  const missing = names.filter((n) => !Object.values(files(dir, n)).every((f) => fs.existsSync(f)));
  if (missing.length > 0) {
    const probe = spawnSync(python, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
    if (probe.error !== undefined || probe.status !== 0) {
      const why = probe.error !== undefined ? probe.error.message : (probe.stderr || '').trim().split('\n').pop();
      return { dir: null, models: null, reason: `models ${missing.join(', ')} are not in ${dir} and ${python} cannot import torch and torchvision (${why})` };
    }
    log(`models-cache: exporting ${missing.join(', ')} to ${dir} (PyTorch, about a minute)`);
    const run = spawnSync(python, [path.join(ROOT, 'scripts', 'make-onnx-bench-models.py'), dir, ...missing], {
      encoding: 'utf8', maxBuffer: 64 << 20,
    });
    if (run.status !== 0) {
      return { dir: null, models: null, reason: `scripts/make-onnx-bench-models.py failed (status ${run.status}): ${(run.stderr || '').trim().split('\n').slice(-3).join(' | ')}` };
    }
    log((run.stdout || '').trim());
    const still = missing.filter((n) => !Object.values(files(dir, n)).every((f) => fs.existsSync(f)));
    if (still.length > 0) return { dir: null, models: null, reason: `the export script ran but ${still.join(', ')} are still not in ${dir}` };
  }
  return { dir, models: Object.fromEntries(names.map((n) => [n, files(dir, n)])) };
}

/** A safetensors file's F32 tensors: name -> { data: Float32Array, shape }. */
function readSafetensors(file) {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const out = {};
  for (const [name, h] of Object.entries(header)) {
    if (name === '__metadata__' || h.dtype !== 'F32') continue;
    const bytes = new Uint8Array(buf.subarray(8 + n + h.data_offsets[0], 8 + n + h.data_offsets[1]));
    out[name] = { data: new Float32Array(bytes.buffer), shape: h.shape };
  }
  return out;
}

/** Runs each model on onnxruntime-node at batch 1 and 4; { name: { b1: {abs, rel}, b4: {abs, rel}, ms } }. */
async function checkWithOrt(models, { threads = 2 } = {}) {
  const ort = require('onnxruntime-node');
  const result = {};
  for (const [name, f] of Object.entries(models)) {
    const io = readSafetensors(f.io);
    const session = await ort.InferenceSession.create(f.onnx, { intraOpNumThreads: threads, interOpNumThreads: 1 });
    result[name] = {};
    for (const batch of [1, 4]) {
      const x = io[`input_b${batch}`];
      const want = io[`output_b${batch}`];
      const t0 = process.hrtime.bigint();
      const y = (await session.run({ input: new ort.Tensor('float32', x.data, x.shape) })).output;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (y.dims.join() !== want.shape.join()) throw new Error(`${name} batch ${batch}: ORT gave [${y.dims}], PyTorch [${want.shape}]`);
      let abs = 0;
      let scale = 0;
      for (let i = 0; i < want.data.length; i++) {
        const d = Math.abs(y.data[i] - want.data[i]);
        if (!(d <= abs)) abs = d;
        scale = Math.max(scale, Math.abs(want.data[i]));
      }
      result[name][`b${batch}`] = { abs, rel: abs / scale, ms };
    }
    await session.release();
  }
  return result;
}

module.exports = { ensureModels, checkWithOrt, readSafetensors, MODEL_NAMES, DEFAULT_DIR };

if (require.main === module) {
  (async () => {
    const cache = ensureModels();
    if (cache.models === null) {
      console.log(`models-cache: skipped: ${cache.reason}`);
      return;
    }
    const r = await checkWithOrt(cache.models);
    for (const [name, v] of Object.entries(r)) {
      console.log(`${name.padEnd(16)} ORT vs PyTorch max rel error: batch 1 ${v.b1.rel.toExponential(2)} (abs ${v.b1.abs.toExponential(2)}), `
        + `batch 4 ${v.b4.rel.toExponential(2)} (abs ${v.b4.abs.toExponential(2)}); one run ${v.b1.ms.toFixed(0)} / ${v.b4.ms.toFixed(0)} ms (first run, not a benchmark)`);
    }
  })().catch((e) => { console.error(e); process.exitCode = 1; });
}
