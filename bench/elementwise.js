// npm run bench -- --only elementwise: the element-wise family on the native backend, 8 MB and
// 32 MB tensors (same-shape add, NCHW [C,1,1] bias add, mul by a scalar, relu, silu, gelu, sum
// over the last axis), outputs preallocated (the kernel alone, through the backend interface).
// Prints one JSON line per row: median ms and GB/s moved (bytes read + written).
// Peers (onnxruntime-node Add/Mul/Relu/ReduceSum models) are not wired yet.
'use strict';
const ck = require('..');
const { measure } = require('./timing');
const { broadcastInfo } = require('../dist/shape/broadcast-info.js');

const threads = Number(process.argv[2] ?? 1);
ck.setBackend('native');
ck.setNumThreads(threads);
const be = ck.backends.native;

async function main() {
  for (const mb of [8, 32]) {
    const n = (mb * 1024 * 1024) / 4;
    const C = 64, HW = n / C;  // [1, C, H*W]
    const a = new Float32Array(n).map((_, i) => Math.sin(i) * 3), b = new Float32Array(n).map((_, i) => Math.cos(i));
    const bias = new Float32Array(C).fill(0.5), s = new Float32Array([1.5]), y = new Float32Array(n);
    const same = broadcastInfo('add', [n], [n]), biasInfo = broadcastInfo('add', [1, C, HW], [C, 1]), sc = broadcastInfo('mul', [n], []);
    const rowLen = 1024, ys = new Float32Array(n / rowLen);
    const rows = [
      ['add same-shape', () => be.binary('add', a, b, y, same), 12 * n],
      ['add [C,1,1] bias', () => be.binary('add', a, bias, y, biasInfo), 8 * n],
      ['mul by scalar', () => be.binary('mul', a, s, y, sc), 8 * n],
      ['relu', () => be.activation('relu', a, y), 8 * n],
      ['silu', () => be.activation('silu', a, y), 8 * n],
      ['gelu', () => be.activation('gelu', a, y), 8 * n],
      ['sum last axis (rows of 1024)', () => be.reduce('sum', a, ys, n / rowLen, rowLen, 1), 4 * n],
    ];
    for (const [name, fn, bytes] of rows) {
      const m = await measure(fn, { warmup: 2, minRuns: 7, minMs: 300, maxMs: 3000 });
      const ms = m.median ?? m.medianMs ?? m;
      process.stdout.write(`${JSON.stringify({ kind: 'elementwise', name: `${name} ${mb} MB`, threads, ms, gbs: bytes / (ms * 1e6) })}\n`);
    }
  }
}
main();
