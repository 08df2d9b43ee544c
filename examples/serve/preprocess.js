// Request body -> one preprocessed image ([3, size, size] elements): decode (pngjs, jpeg-js),
// resize, crop, normalize with convkit ops (examples/common/imagenet.js). preprocess() does it
// on the calling thread; createPreprocessor({ threads }) on that many worker threads (0: the
// calling thread), so a 5-20 ms PNG decode does not stall the event loop.
'use strict';
const { isMainThread, parentPort, workerData } = require('node:worker_threads');
const { decodeImage, resizeCropNormalize, ImageError } = require('../common/imagenet');

function preprocess(body, size, { maxPixels } = {}) {
  return resizeCropNormalize(decodeImage(body, { maxPixels }), size).data;
}

/** { run(body) -> Promise<Float32Array>, close() }: preprocess on `threads` worker threads, least busy first. */
function createPreprocessor({ threads, size, maxPixels }) {
  if (threads < 1) {
    return { run: async (body) => preprocess(body, size, { maxPixels }), close: async () => {} };
  }
  const { Thread } = require('./thread');
  const pool = Array.from({ length: threads }, () => new Thread(__filename, { preprocessWorker: true, size, maxPixels }));
  return {
    async run(body) {
      const t = pool.reduce((a, b) => (b.busy < a.busy ? b : a));
      const bytes = new Uint8Array(body.length);   // own buffer (a Buffer may share a pooled slab), transferred
      bytes.set(body);
      return (await t.call({ bytes }, [bytes.buffer])).data;
    },
    close: () => Promise.all(pool.map((t) => t.close())),
  };
}

if (!isMainThread && workerData?.preprocessWorker) {
  parentPort.on('message', ({ id, bytes }) => {
    try {
      // A copy to transfer: the tensor's own buffer may belong to convkit's allocator.
      const data = preprocess(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), workerData.size, { maxPixels: workerData.maxPixels }).slice();
      parentPort.postMessage({ id, data }, [data.buffer]);
    } catch (err) {
      parentPort.postMessage({ id, error: err.message, imageError: err instanceof ImageError });
    }
  });
}

module.exports = { preprocess, createPreprocessor, ImageError };
