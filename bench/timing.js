// Timing with warm-up, several runs and the median: the machine is shared and noisy.
'use strict';

const now = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Runs fn (sync or async) until at least minRuns runs and minMs of measured time (or maxRuns /
 * maxMs), after warm-up runs: at least `warmup`, and more until warmupMs have passed. Returns
 * { median, min, runs } in ms. before (optional) runs ahead of every run, untimed (e.g. a cache
 * eviction).
 *
 * warmupMs: a fast op's fresh outputs land on new pages until the garbage collector has freed
 * the first ones (V8 collects after tens of MB of them): the first row of a process measured
 * that growth, not the op (the 64x64x8 `seed` conv, first in `--only conv`: 0.49 ms a call
 * against 0.044 in steady state, its 128 KB output faulted in each time).
 */
async function measure(fn, { warmup = 2, warmupMs = 0, minRuns = 5, maxRuns = 200, minMs = 400, maxMs = 4000, before = null } = {}) {
  // Await only real promises, so a sync kernel is timed without a microtask in the way.
  const call = async () => { const r = fn(); if (r && typeof r.then === 'function') await r; };
  const warmStart = now();
  for (let i = 0; i < warmup || now() - warmStart < warmupMs; i++) await call();
  const times = [];
  const start = now();
  while (times.length < maxRuns) {
    if (before) before();
    const t0 = now();
    const r = fn();
    if (r && typeof r.then === 'function') await r;
    times.push(now() - t0);
    const spent = now() - start;
    if ((times.length >= minRuns && spent >= minMs) || spent >= maxMs) break;
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], min: times[0], runs: times.length };
}

module.exports = { measure };
