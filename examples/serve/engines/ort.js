// The onnxruntime-node engine, for comparison: the same interface as engines/convkit.js, one
// session with intraOpNumThreads = threads, sequential execution, all graph optimizations.
'use strict';

async function load(modelPath, { threads }) {
  const ort = require('onnxruntime-node');
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  const shape = session.inputMetadata?.[0]?.shape ?? [];
  const size = typeof shape[2] === 'number' ? shape[2] : 224;
  const maxBatch = typeof shape[0] === 'number' ? shape[0] : Infinity;
  return {
    name: 'ort',
    size,
    maxBatch,
    async run(data, n) {
      const out = await session.run({ [inputName]: new ort.Tensor('float32', data, [n, 3, size, size]) });
      return out[outputName].data;
    },
    close: () => session.release(),
  };
}

module.exports = { load };
