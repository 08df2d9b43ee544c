// One process-wide compute budget behind parallel_for. All callers (the JS thread, libuv
// workers running async ops, worker_threads) share one pool of at most `budget` compute
// threads, so N concurrent calls never run N x budget threads. A portable std::thread pool by
// default; OpenMP teams when built with CONVKIT_USE_OPENMP and -fopenmp (then the thread
// count is not bounded across concurrent callers: libgomp keeps one team per master thread).
#pragma once
#include <cstdint>
#include <functional>

namespace convkit {

void set_num_threads(int n);  // n >= 1: the budget, at most n threads compute at once
int get_num_threads();
// The largest budget set_num_threads accepts: 4x the hardware threads this process may run on
// (at least 4). More threads than that only add switches and memory (each worker is an OS
// thread with its own stack and workspaces: 1,024 of them stayed alive before the cap).
int max_num_threads();
bool has_openmp();
// True on a thread running a chunk of parallel_for: a parallel_for called here runs inline on
// this thread, so a kernel should plan its work for one thread (not split it for the budget).
bool inside_parallel_for();  // true when parallel_for runs on OpenMP teams instead of the pool

// Calls fn(begin, end) on disjoint contiguous chunks covering [0, n), possibly concurrently,
// on at most the budget's threads. How [0, n) is cut is not fixed: with nt threads, each has
// a contiguous range of it, run as up to 4 chunks, and a thread that runs out takes the
// chunks left of the others' ranges (one descheduled thread does not hold up its whole
// share). fn must not depend on the cut: each index gives the same result in any chunk.
// The caller takes as many pool threads as the budget has free (never waits for them), so a
// call may run on fewer threads than the budget. Runs inline when n is small, the budget is
// 1, or when already inside a chunk. The first exception thrown by a chunk is rethrown here.
void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn);

// Runs fn(lo, hi) over [0, tasks): through parallel_for when there are two tasks or more and
// the whole pass has at least 2 * grain elements (grain: the elements worth waking a thread
// for), else inline in one call (none when tasks is 0).
template <class F>
void parallel_for_large(int64_t tasks, int64_t elements, int64_t grain, F fn) {
  if (tasks > 1 && elements >= 2 * grain) {
    parallel_for(tasks, [&](int64_t lo, int64_t hi) { fn(lo, hi); });
  } else if (tasks > 0) {
    fn(0, tasks);
  }
}

// Runs job on one of the pool's compute threads and blocks until it has finished, rethrowing
// its exception. Waits while the whole budget is in use, so any number of concurrent callers
// (libuv workers running async ops) compute on at most `budget` threads between them. Runs
// inline when called from a compute thread, or when a pool thread cannot be started.
void run_on_pool(const std::function<void()>& job);

// Statistics for tests: pool threads started so far, and the most threads (callers counted)
// that ever computed at once under the budget.
struct pool_stats {
  int threads_started;
  int peak_active;
};
pool_stats get_pool_stats();

}  // namespace convkit
