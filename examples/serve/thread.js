// A worker thread answering {id, ...} requests in order: call(msg, transfer) -> promise of the
// reply, rejected with the worker's error message (ImageError kept as ImageError for the 400s).
'use strict';
const { Worker } = require('node:worker_threads');
const { ImageError } = require('../common/imagenet');

class Thread {
  constructor(file, workerData) {
    this.worker = new Worker(file, { workerData });
    this.worker.unref();
    this.pending = new Map();
    this.next = 0;
    this.worker.on('message', (m) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      if (m.error) p.reject(m.imageError ? new ImageError(m.error) : new Error(m.error));
      else p.resolve(m);
    });
    const fail = (err) => { for (const p of this.pending.values()) p.reject(err); this.pending.clear(); };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`worker thread exited (${code})`)));
  }

  get busy() { return this.pending.size; }

  call(msg, transfer = []) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  close() { return this.worker.terminate(); }
}

module.exports = { Thread };
