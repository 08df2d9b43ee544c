// Child process for test/robustness/invalid.test.ts: runs every entry of invalid.json on one
// backend through the built package, one JSON line per case. A crash kills only this process,
// and the last "start" line names the case that caused it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ck = require('../../dist/index.js');

const [backend, file] = process.argv.slice(2);
ck.setBackend(backend);
const { cases } = JSON.parse(fs.readFileSync(file, 'utf8'));

const fix = (v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity
  : Array.isArray(v) ? v.map(fix) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fix(x)])) : v);

function run(c) {
  const p = fix(c.params);
  const shapes = fix(c.input_shapes);
  const lengths = p.data_length ?? {};
  const t = (name) => {
    const shape = shapes[name];
    const n = typeof lengths === 'number' ? lengths : lengths[name] ?? shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(Number.isFinite(n) && n >= 0 ? n : 0);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i + 1);
    return new ck.Tensor(data, shape);
  };
  const conv = () => ({ stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups, layout: p.layout, bias: shapes.b ? t('b') : null });
  const pool = () => ({ kernel: p.kernel, stride: p.stride, padding: p.padding, layout: p.layout, ...(p.dilation ? { dilation: p.dilation } : {}) });
  switch (c.op) {
    case 'tensor': return t('x');
    case 'conv2d': return ck.conv2d(t('x'), t('w'), conv());
    case 'conv2d_backward': return ck.conv2dBackward(t('dy'), t('x'), t('w'), { ...conv(), bias: null });
    case 'max_pool2d': return ck.maxPool2d(t('x'), pool());
    case 'avg_pool2d': return ck.avgPool2d(t('x'), pool());
    case 'max_pool2d_backward': return ck.maxPool2dBackward(t('dy'), t('x'), pool());
    case 'gemm': return ck.gemm(t('a'), t('b'), { transA: p.transA, transB: p.transB, alpha: p.alpha, beta: p.beta, ...(shapes.c ? { c: t('c') } : {}) });
    case 'sgemm': {
      const buf = (n) => new Float32Array(shapes[n][0]);
      return ck.sgemm(p.transA, p.transB, p.M, p.N, p.K, 1, buf('A'), p.lda, buf('B'), p.ldb, 0, buf('C'), p.ldc);
    }
    case 'matmul': return ck.matmul(t('a'), t('b'));
    case 'linear': return ck.linear(t('x'), t('w'), shapes.b ? t('b') : null);
    case 'cross_entropy': return ck.crossEntropy(t('logits'), p.labels);
    case 'softmax': return ck.softmax(t('x'), p.axis);
    case 'relu_backward': return ck.reluBackward(t('dy'), t('x'));
    case 'global_avg_pool2d': return ck.globalAvgPool2d(t('x'), { layout: p.layout });
    case 'global_max_pool2d': return ck.globalMaxPool2d(t('x'), { layout: p.layout });
    default: throw new Error(`unknown op ${c.op}`);
  }
}

for (const c of cases) {
  process.stdout.write(`${JSON.stringify({ start: c.id })}\n`);
  let line;
  try {
    const r = run(c);
    const shape = r && r.shape ? r.shape : null;
    line = { id: c.id, threw: false, shape, size: r && r.data ? r.data.length : null };
  } catch (e) {
    line = { id: c.id, threw: true, name: e && e.constructor ? e.constructor.name : typeof e, message: String(e && e.message) };
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
process.stdout.write(`${JSON.stringify({ done: true })}\n`);
