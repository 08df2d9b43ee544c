// Dynamic batching: requests that arrive together run as one backend call. A batch starts when
// maxBatch items wait, when the oldest waiting item has waited maxWaitMs, or when no other item
// is on its way (arriving(): the server's requests still being read or decoded), and only while
// no other batch is running (the engine uses every thread it has); items that queued behind a
// running batch go in the next one. The waiting queue is bounded (QueueFullError past maxQueue).
// Waiting only for items on their way: a lone request does not wait maxWaitMs for company that
// is not coming (at concurrency 1 that wait was 2-3 ms of a 10-13 ms request).
'use strict';

class QueueFullError extends Error {}

class Batcher {
  /**
   * @param {object} o
   * @param {(items: any[]) => Promise<any[]>} o.run - runs a batch, one result per item, in order
   * @param {number} o.maxBatch - most items in one batch
   * @param {number} o.maxWaitMs - most time the oldest item waits for others to join it
   * @param {number} o.maxQueue - most items waiting (not counting the running batch)
   * @param {(n: number, ms: number) => void} [o.onBatch] - told each batch's size and run time
   * @param {() => number} [o.arriving] - items on their way (0: start a batch of what waits now);
   *   by default always some, so a batch waits maxWaitMs for company. Call schedule() when it drops.
   */
  constructor({ run, maxBatch, maxWaitMs, maxQueue, onBatch = () => {}, arriving = () => 1 }) {
    Object.assign(this, { runBatch: run, maxBatch, maxWaitMs, maxQueue, onBatch, arriving });
    this.queue = [];
    this.running = 0;
    this.timer = null;
    this.idleWaiters = [];
    this.batches = 0;
  }

  /** Items waiting for a batch. */
  get length() { return this.queue.length; }

  /** Queues an item; the promise settles with its result. cancel() drops it if it has not started. */
  submit(item) {
    if (this.queue.length >= this.maxQueue) throw new QueueFullError(`the queue is full (${this.maxQueue} waiting)`);
    let entry;
    const promise = new Promise((resolve, reject) => { entry = { item, resolve, reject, at: performance.now(), cancelled: false }; });
    this.queue.push(entry);
    this.schedule();
    const cancel = () => {
      entry.cancelled = true;
      const i = this.queue.indexOf(entry);
      if (i >= 0) { this.queue.splice(i, 1); this.checkIdle(); }
    };
    return { promise, cancel };
  }

  /** Starts a batch if one is due (see the file comment); else makes sure a timer will look again. */
  schedule() {
    this.queue = this.queue.filter((e) => !e.cancelled);
    if (this.running || this.queue.length === 0) { this.checkIdle(); return; }
    const waited = performance.now() - this.queue[0].at;
    if (this.queue.length >= this.maxBatch || waited >= this.maxWaitMs || this.arriving() <= 0) { this.flush(); return; }
    if (!this.timer) {
      this.timer = setTimeout(() => { this.timer = null; this.schedule(); }, this.maxWaitMs - waited);
    }
  }

  flush() {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    const batch = this.queue.splice(0, this.maxBatch);
    this.running++;
    this.batches++;
    const t0 = performance.now();
    Promise.resolve()
      .then(() => this.runBatch(batch.map((e) => e.item)))
      .then((results) => {
        this.onBatch(batch.length, performance.now() - t0);
        batch.forEach((e, i) => e.resolve(results[i]));
      }, (err) => batch.forEach((e) => e.reject(err)))
      .finally(() => { this.running--; this.schedule(); });
  }

  checkIdle() {
    if (this.running || this.queue.length) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves once nothing waits and nothing runs. */
  idle() {
    return new Promise((resolve) => { this.idleWaiters.push(resolve); this.checkIdle(); });
  }
}

module.exports = { Batcher, QueueFullError };
