// Request body -> one preprocessed image, in two steps:
// - decode (pngjs, jpeg-js) to [1, 3, H, W] in 0..1: plain JavaScript, 5-20 ms of CPU for a
//   small PNG, so it runs on worker threads (createDecoder({ threads }); 0: the calling thread);
// - resize, crop and normalize with convkit ops (finish(); examples/common/imagenet.js), on the
//   event loop's thread just before the batch runs, never while a batch runs: convkit's ops
//   share one process-wide thread budget with the model, and ops called from another thread
//   while the model computes took its second thread (measured: resnet18 at batch 8 went from
//   ~30 to ~90 ms per image with the whole preprocessing on a worker thread beside it, ~40 with
//   only the decoding there).
'use strict';
const { isMainThread, parentPort, workerData } = require('node:worker_threads');
const { decodeImage, resizeCropNormalize, ImageError } = require('../common/imagenet');

/** The whole preprocessing on the calling thread: body -> [3, size, size] elements. */
function preprocess(body, size, { maxPixels } = {}) {
  return resizeCropNormalize(decodeImage(body, { maxPixels }), size).data;
}

/** A decoded image ({ data, shape: [1, 3, H, W] }) -> its [3, size, size] elements. */
function finish(img, size) {
  const ck = require('../..');
  return resizeCropNormalize(new ck.Tensor(img.data, img.shape), size).data;
}

/** { run(body) -> Promise<{ data, shape }>, close() }: decoding on `threads` worker threads, least busy first. */
function createDecoder({ threads, maxPixels }) {
  if (threads < 1) {
    return { run: async (body) => { const t = decodeImage(body, { maxPixels }); return { data: t.data, shape: t.shape }; }, close: async () => {} };
  }
  const { Thread } = require('./thread');
  const pool = Array.from({ length: threads }, () => new Thread(__filename, { decodeWorker: true, maxPixels }));
  return {
    async run(body) {
      const t = pool.reduce((a, b) => (b.busy < a.busy ? b : a));
      const bytes = new Uint8Array(body.length);   // own buffer (a Buffer may share a pooled slab), transferred
      bytes.set(body);
      const r = await t.call({ bytes }, [bytes.buffer]);
      return { data: r.data, shape: r.shape };
    },
    close: () => Promise.all(pool.map((t) => t.close())),
  };
}

if (!isMainThread && workerData?.decodeWorker) {
  parentPort.on('message', ({ id, bytes }) => {
    try {
      const t = decodeImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), { maxPixels: workerData.maxPixels });
      const data = t.data.slice();   // a copy to transfer: the tensor's buffer may belong to convkit's allocator
      parentPort.postMessage({ id, data, shape: [...t.shape] }, [data.buffer]);
    } catch (err) {
      parentPort.postMessage({ id, error: err.message, imageError: err instanceof ImageError });
    }
  });
}

module.exports = { preprocess, finish, createDecoder, ImageError };
