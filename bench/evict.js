// Cache eviction between timed runs: reads a 256 MB buffer (over 4x any L3 here), so the next
// run starts with its inputs and outputs in DRAM. Reads only: the buffer's lines are clean, so
// evicting them later costs the timed run no write-backs.
// The read is split over the row's threads (convkit's own pool, a sum over rows of the buffer):
// every core's private caches are evicted, not only the calling thread's (a worker's L2 kept up
// to 1 MB of its last range), and the pool's workers are awake when the timed run starts, as
// between the ops of a model. Read by one thread, the 8 ms eviction put the workers to sleep and
// each 2-thread row also timed a wake-up of the idle core (30-80 us on this VM: bench/README
// numbers in issue 13's note). The copy reference (build-core/fma-peak --copy) evicts the same
// way.
'use strict';

const EVICT_BYTES = 256 * 1024 * 1024;
const ROW = 4096;
let buf = null, sums = null, sink = 0;

/** Reads the 256 MB buffer (allocated and written once, on the first call) on `threads` threads. */
function evictCaches(threads = 1) {
  const ck = require('..');
  if (buf === null) {
    buf = new Float32Array(EVICT_BYTES / 4).fill(1);
    sums = new Float32Array(buf.length / ROW);
  }
  if (!ck.info().native.loaded) {  // no addon here: one thread reads it, one float per line
    let s = 0;
    for (let i = 0; i < buf.length; i += 16) s += buf[i];
    sink += s;
    return sink;
  }
  const be = ck.backends.native;
  const before = ck.getNumThreads();
  if (before !== threads) ck.setNumThreads(threads);
  be.reduce('sum', buf, sums, sums.length, ROW, 1);
  if (before !== threads) ck.setNumThreads(before);
  sink += sums[0];
  return sink;
}

const EVICT_NOTE = 'rows marked "evicted": a 256 MB buffer read between timed runs (untimed) on the row\'s threads (every core\'s caches; the pool awake as between a model\'s ops); others: working set over 2x L3, no eviction';

module.exports = { evictCaches, EVICT_BYTES, EVICT_NOTE };
