// The onnxruntime-node engine, for comparison: the same interface as engines/convkit.js. The
// session runs on its own worker thread, as convkit's model.run does: onnxruntime-node's
// session.run computes on the calling thread (it only defers the call with setImmediate), which
// would stall the event loop for a whole batch. intraOpNumThreads = threads, sequential
// execution, all graph optimizations.
'use strict';
const { isMainThread, parentPort, workerData } = require('node:worker_threads');

async function load(modelPath, { threads }) {
  const { Thread } = require('../thread');
  const t = new Thread(__filename, { ortWorker: true, modelPath, threads });
  const { size, maxBatch } = await t.call({ op: 'info' });
  return {
    name: 'ort',
    size,
    maxBatch,
    async run(data, n) {
      const copy = data.slice();
      return (await t.call({ op: 'run', data: copy, n }, [copy.buffer])).logits;
    },
    close: () => t.close(),
  };
}

if (!isMainThread && workerData?.ortWorker) {
  const ort = require('onnxruntime-node');
  const ready = ort.InferenceSession.create(workerData.modelPath, {
    intraOpNumThreads: workerData.threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  parentPort.on('message', async ({ id, op, data, n }) => {
    try {
      const session = await ready;
      const shape = session.inputMetadata?.[0]?.shape ?? [];
      const size = typeof shape[2] === 'number' ? shape[2] : 224;
      if (op === 'info') {
        parentPort.postMessage({ id, size, maxBatch: typeof shape[0] === 'number' ? shape[0] : Infinity });
        return;
      }
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', data, [n, 3, size, size]) });
      const logits = Float32Array.from(out[session.outputNames[0]].data);
      parentPort.postMessage({ id, logits }, [logits.buffer]);
    } catch (err) {
      parentPort.postMessage({ id, error: err.message });
    }
  });
}

module.exports = { load };
