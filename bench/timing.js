// Timing with warm-up, several runs and the median: the machine is shared and noisy.
'use strict';

const now = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Runs fn (sync or async) until at least minRuns runs and minMs of measured time (or maxRuns /
 * maxMs), after warm-up runs. Returns { median, min, runs } in ms. before (optional) runs ahead of
 * every run, untimed (e.g. a cache eviction).
 */
async function measure(fn, { warmup = 2, minRuns = 5, maxRuns = 200, minMs = 400, maxMs = 4000, before = null } = {}) {
  // Await only real promises, so a sync kernel is timed without a microtask in the way.
  const call = async () => { const r = fn(); if (r && typeof r.then === 'function') await r; };
  for (let i = 0; i < warmup; i++) await call();
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
