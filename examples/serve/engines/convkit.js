// The convkit engine: onnx.load, model.run on the model's worker thread with `threads` threads.
'use strict';
const ck = require('../../..');

/**
 * Loads a model; resolves to { name, size, maxBatch, run(data, n), close() } where run takes n
 * preprocessed images ([n, 3, size, size] as one Float32Array) and resolves to the logits.
 */
async function load(modelPath, { threads }) {
  ck.setNumThreads(threads);
  const model = await ck.onnx.load(modelPath, { threads });
  const input = model.inputs[0];
  const size = typeof input.shape[2] === 'number' ? input.shape[2] : 224;
  const maxBatch = typeof input.shape[0] === 'number' ? input.shape[0] : Infinity;
  return {
    name: 'convkit',
    size,
    maxBatch,
    async run(data, n) {
      const out = await model.run({ [input.name]: new ck.Tensor(data, [n, 3, size, size]) });
      return out[model.outputs[0].name].data;
    },
    close: () => model.close(),
  };
}

module.exports = { load };
