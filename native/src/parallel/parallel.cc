// parallel_for behind one process-wide thread budget. Concurrent callers (several libuv
// workers running async ops) reserve threads from the same budget, so N callers never run
// N x budget threads. OpenMP where the compiler has it, std::thread otherwise.
#include "convkit/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace convkit {
namespace {

int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(std::min(n, 1024u));
}

std::atomic<int>& budget() {
  static std::atomic<int> b{hardware_threads()};
  return b;
}
std::atomic<int> threads_in_use{0};  // threads reserved by parallel_for calls now running
thread_local bool inside_parallel_for = false;

// Reserve up to `want` threads of the budget (at least 1: the caller itself always runs).
int reserve(int want) {
  const int total = budget().load(std::memory_order_relaxed);
  int used = threads_in_use.load(std::memory_order_relaxed);
  for (;;) {
    const int take = std::max(1, std::min(want, total - used));
    if (threads_in_use.compare_exchange_weak(used, used + take, std::memory_order_acq_rel)) {
      return take;
    }
  }
}

// Gives reserved threads back on every path, exceptions included.
struct reservation {
  int count;
  ~reservation() { threads_in_use.fetch_sub(count, std::memory_order_acq_rel); }
};

// The first exception thrown by any chunk, rethrown on the calling thread (an exception
// must never escape an OpenMP region or a std::thread).
struct first_error {
  std::mutex mu;
  std::exception_ptr error;
  void capture() {
    std::lock_guard<std::mutex> lock(mu);
    if (!error) error = std::current_exception();
  }
};

void run_chunk(int64_t n, int nt, int t, const std::function<void(int64_t, int64_t)>& fn,
               first_error& err) {
  // Static chunking: thread t gets one contiguous range, sizes differ by at most one.
  const int64_t base = n / nt, extra = n % nt;
  const int64_t begin = t * base + std::min<int64_t>(t, extra);
  const int64_t end = begin + base + (t < extra ? 1 : 0);
  if (begin >= end) return;
  try {
    fn(begin, end);
  } catch (...) {
    err.capture();
  }
}

}  // namespace

void set_num_threads(int n) { budget().store(std::max(1, n), std::memory_order_relaxed); }
int get_num_threads() { return budget().load(std::memory_order_relaxed); }

bool has_openmp() {
#ifdef _OPENMP
  return true;
#else
  return false;
#endif
}

void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  bool nested = inside_parallel_for;
#ifdef _OPENMP
  nested = nested || omp_in_parallel();
#endif
  const int want = static_cast<int>(std::min<int64_t>(n, get_num_threads()));
  if (nested || want <= 1) {
    fn(0, n);
    return;
  }
  const int nt = reserve(want);
  reservation held{nt};
  if (nt <= 1) {
    fn(0, n);
    return;
  }
  first_error err;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
  {
    inside_parallel_for = true;
    // A team may come back smaller than asked; chunk by the size we actually got.
    run_chunk(n, omp_get_num_threads(), omp_get_thread_num(), fn, err);
    inside_parallel_for = false;
  }
#else
  {
    std::vector<std::thread> workers;
    workers.reserve(nt - 1);
    for (int t = 1; t < nt; ++t) {
      workers.emplace_back([&, t] {
        inside_parallel_for = true;
        run_chunk(n, nt, t, fn, err);
      });
    }
    inside_parallel_for = true;
    run_chunk(n, nt, 0, fn, err);
    inside_parallel_for = false;
    for (auto& w : workers) w.join();
  }
#endif
  if (err.error) std::rethrow_exception(err.error);
}

}  // namespace convkit
