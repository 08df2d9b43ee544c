#!/usr/bin/env node
// Where an ONNX model's time goes in convkit, step by step, beside onnxruntime-node's own
// per-node profile taken in the same process with the runs interleaved (both see the same
// machine load). Needs a build (dist/).
//
//   node scripts/onnx-profile.js model.onnx [--batch 1] [--threads 1] [--runs 10] [--steps] [--no-ort] [--ort-nodes]
//     [--precision bf16]   (convkit's precision; onnxruntime stays fp32)
//
// Prints the median of each backend call summed by op and note (conv kind, fused epilogue,
// layout), the convkit steps matched to onnxruntime's nodes by output name (its fused conv
// keeps the last fused node's output name, as convkit's does), and totals. The input is
// [batch, ...the declared shape with dynamic sizes 224] of sin(i).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ck = require('..');

function args(argv) {
  const a = { file: null, batch: 1, threads: 1, runs: 10, steps: false, ort: true, precision: 'fp32' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--batch') a.batch = Number(argv[++i]);
    else if (k === '--threads') a.threads = Number(argv[++i]);
    else if (k === '--runs') a.runs = Number(argv[++i]);
    else if (k === '--steps') a.steps = true;
    else if (k === '--no-ort') a.ort = false;
    else if (k === '--ort-nodes') a.ortNodes = true;
    else if (k === '--precision') a.precision = argv[++i];
    else if (!a.file) a.file = k;
    else throw new Error(`unknown argument ${k}`);
  }
  if (!a.file) throw new Error('usage: node scripts/onnx-profile.js model.onnx [--batch 1] [--threads 1] [--runs 10] [--steps] [--no-ort] [--ort-nodes] [--precision bf16]');
  return a;
}

const med = (v) => [...v].sort((p, q) => p - q)[v.length >> 1];

async function main() {
  const a = args(process.argv.slice(2));
  ck.setNumThreads(a.threads);
  const model = ck.onnx.loadSync(a.file, { precision: a.precision });
  const inp = model.inputs[0];
  const shape = inp.shape.map((d, i) => (i === 0 ? a.batch : typeof d === 'number' ? d : 224));
  const data = Float32Array.from({ length: shape.reduce((p, q) => p * q, 1) }, (_, i) => Math.sin(i));
  const x = new ck.Tensor(data, shape);
  model.runSync({ [inp.name]: x });
  const plan = model.planFor([shape]);
  const times = plan.steps.map(() => []);
  plan.steps.forEach((s, i) => {
    const k = s.kernel;
    s.kernel = (xs, ys) => { const t0 = performance.now(); k(xs, ys); times[i].push(performance.now() - t0); };
  });
  let session = null, ox = null, dir = null;
  if (a.ort) {
    const ort = require('onnxruntime-node');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-profile-'));
    session = await ort.InferenceSession.create(a.file, {
      intraOpNumThreads: a.threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
      enableProfiling: true, profileFilePrefix: path.join(dir, 'ort'),
    });
    ox = new ort.Tensor('float32', data, shape);
  }
  const warm = 2;
  for (let r = 0; r < a.runs + warm; r++) {
    model.runSync({ [inp.name]: x });
    if (session) await session.run({ [inp.name]: ox });
  }
  const ortNodes = new Map();
  if (session) {
    await session.release();
    for (const f of fs.readdirSync(dir)) {
      for (const e of JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))) {
        if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
        const name = e.name.replace(/_kernel_time$/, '').replace(/_nchwc$/, '');
        if (!ortNodes.has(name)) ortNodes.set(name, { op: e.args.op_name, d: [] });
        ortNodes.get(name).d.push(e.dur / 1000);
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const ortMs = (name) => { const n = ortNodes.get(name); return n ? med(n.d.slice(warm)) : undefined; };
  if (a.ortNodes) {
    for (const [name, n] of ortNodes) console.log(`ort ${ortMs(name).toFixed(3).padStart(8)}  ${n.op.padEnd(16)} ${name}`);
  }
  const byKind = new Map();
  let total = 0, matchedCk = 0, matchedOrt = 0;
  plan.steps.forEach((s, i) => {
    const ms = med(times[i].slice(warm));
    total += ms;
    const kind = `${s.node.op} ${s.note}`.trim();
    const o = ortMs(s.node.outputs[0]) ?? ortMs(s.node.name) ?? ortMs(`${s.node.name}_output_0`);
    const k = byKind.get(kind) ?? { ms: 0, n: 0, ck: 0, ort: 0 };
    k.ms += ms; k.n++;
    if (o !== undefined) { k.ck += ms; k.ort += o; matchedCk += ms; matchedOrt += o; }
    byKind.set(kind, k);
    if (a.steps) console.log(`${String(i).padStart(4)}  ${ms.toFixed(3).padStart(8)}  ${o === undefined ? '       -' : o.toFixed(3).padStart(8)}  ${kind}  ${s.node.name}`);
  });
  let ortTotal = 0;
  for (const n of ortNodes.values()) ortTotal += med(n.d.slice(warm));
  console.log(`${path.basename(a.file)} [${shape.join(', ')}] ${a.threads} thread(s), medians of ${a.runs} runs (load average ${os.loadavg()[0].toFixed(2)}):`);
  console.log(`convkit: ${plan.steps.length} steps, ${total.toFixed(2)} ms${session ? `; onnxruntime: ${ortNodes.size} nodes, ${ortTotal.toFixed(2)} ms; matched steps ${matchedCk.toFixed(2)} vs ${matchedOrt.toFixed(2)} ms` : ''}`);
  console.log(`${'ms'.padStart(8)}  ${'steps'.padStart(5)}  ${session ? `${'matched'.padStart(8)}  ${'ort'.padStart(8)}  ratio  ` : ''}op and note`);
  for (const [kind, k] of [...byKind].sort((p, q) => q[1].ms - p[1].ms)) {
    console.log(`${k.ms.toFixed(2).padStart(8)}  ${String(k.n).padStart(5)}  ${session ? `${k.ck.toFixed(2).padStart(8)}  ${k.ort.toFixed(2).padStart(8)}  ${k.ort ? (k.ck / k.ort).toFixed(2).padStart(5) : '    -'}  ` : ''}${kind}`);
  }
}

main().catch((e) => { console.error(e.message); process.exit(1); });
