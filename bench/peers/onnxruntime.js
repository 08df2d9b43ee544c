// onnxruntime-node (CPU execution provider): one-node ONNX models built in memory. Weights and
// biases of conv are initializers (as in an exported model); GEMM takes both matrices as inputs.
'use strict';
const ort = require('onnxruntime-node');
const { data, checksum } = require('../workloads');
const { oneNodeModel } = require('./onnx-model');

let threads = 1;

async function session(model) {
  return ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
}

async function runner(model, feeds) {
  const s = await session(model);
  let y;
  return { run: async () => { y = (await s.run(feeds)).Y; }, out: () => checksum(y.data) };
}

module.exports = {
  name: 'onnxruntime-node',
  layouts: ['nchw'],
  async setup(n) {
    threads = n;
    return `onnxruntime-node ${require('onnxruntime-node/package.json').version}, ${n} threads`;
  },
  async gemm(w) {
    const model = oneNodeModel('MatMul', [{ name: 'A', shape: [w.M, w.K] }, { name: 'B', shape: [w.K, w.N] }], [{ name: 'Y', shape: [w.M, w.N] }]);
    return runner(model, {
      A: new ort.Tensor('float32', data(w.M * w.K, 1), [w.M, w.K]),
      B: new ort.Tensor('float32', data(w.K * w.N, 2), [w.K, w.N]),
    });
  },
  async conv2d(w, layout) {
    if (layout !== 'nchw') return null;
    const cg = w.C / w.groups;
    const model = oneNodeModel('Conv', [
      { name: 'X', shape: [w.N, w.C, w.H, w.W] },
      { name: 'W', shape: [w.K, cg, w.R, w.S], data: data(w.K * cg * w.R * w.S, 4) },
      { name: 'B', shape: [w.K], data: data(w.K, 5) },
    ], [{ name: 'Y', shape: [w.N, w.K, w.OH, w.OW] }], {
      kernel_shape: [w.R, w.S], strides: [w.stride, w.stride], pads: [w.pad, w.pad, w.pad, w.pad], group: w.groups,
    });
    return runner(model, { X: new ort.Tensor('float32', data(w.N * w.C * w.H * w.W, 3), [w.N, w.C, w.H, w.W]) });
  },
  async pool(w, layout) {
    if (layout !== 'nchw') return null;
    const x = { name: 'X', shape: [w.N, w.C, w.H, w.W] };
    const y = [{ name: 'Y', shape: [w.N, w.C, w.OH, w.OW] }];
    const attrs = { kernel_shape: [w.kernel, w.kernel], strides: [w.stride, w.stride], pads: [w.pad, w.pad, w.pad, w.pad] };
    const model = w.op === 'max' ? oneNodeModel('MaxPool', [x], y, attrs)
      : w.op === 'avg' ? oneNodeModel('AveragePool', [x], y, attrs)
        : oneNodeModel('GlobalAveragePool', [x], y);
    return runner(model, { X: new ort.Tensor('float32', data(w.N * w.C * w.H * w.W, 6), [w.N, w.C, w.H, w.W]) });
  },
};
