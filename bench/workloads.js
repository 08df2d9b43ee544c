// The fixed workloads of ../shared/bench/suite.json, with their FLOP and byte counts and the
// shapes each layout needs. Shapes in the suite are NCHW; an NHWC run uses the same numbers.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const SUITE = process.env.CONVKIT_BENCH_SUITE ?? path.resolve(__dirname, '../../shared/bench/suite.json');

function outSize(inSize, k, s, p) {
  return Math.floor((inSize + 2 * p - k) / s) + 1;
}

function loadSuite() {
  const suite = JSON.parse(fs.readFileSync(SUITE, 'utf8'));
  // A product with one or two rows of A is a matrix-vector product: bound by reading B, so its
  // figure of merit is GB/s, not GFLOP/s.
  const gemm = suite.gemm.map((g) => ({ kind: 'gemm', ...g, flops: 2 * g.M * g.N * g.K, bytes: 4 * (g.M * g.K + g.K * g.N + g.M * g.N), memoryBound: g.M <= 2 }));
  const conv = suite.conv2d.map((c) => {
    const OH = outSize(c.H, c.R, c.stride, c.pad);
    const OW = outSize(c.W, c.S, c.stride, c.pad);
    return { kind: 'conv2d', ...c, OH, OW, flops: 2 * c.N * c.K * OH * OW * (c.C / c.groups) * c.R * c.S };
  });
  const pool = suite.pool.map((p) => {
    const global = p.op === 'global_avg';
    const OH = global ? 1 : outSize(p.H, p.kernel, p.stride, p.pad);
    const OW = global ? 1 : outSize(p.W, p.kernel, p.stride, p.pad);
    // Memory-bound: the figure of merit is bytes of input + output per second.
    return { kind: 'pool', ...p, OH, OW, bytes: 4 * p.N * p.C * (p.H * p.W + OH * OW) };
  });
  const training = suite.training.map((t) => ({ kind: 'training', ...t }));
  return { gemm, conv, pool, training };
}

/** Deterministic data in [-1, 1) (a fixed LCG: the same bytes for every peer). */
function data(n, seed = 1) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2147483648 - 1;
  }
  return a;
}

/** The sum of an output's elements: what each peer reports so runs can be compared. */
function checksum(a) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

module.exports = { loadSuite, data, checksum };
