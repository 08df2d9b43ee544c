// parallel_for and run_on_pool: chunks cover [0, n) exactly once; nested calls run inline;
// exceptions reach the caller; many concurrent callers (std::threads standing in for libuv
// workers) compute on at most `budget` threads and start at most `budget` pool threads.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <dirent.h>
#include <fstream>
#include <string>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "convkit/parallel.h"
#include "harness.h"
#include "parallel/pack-once.h"
#include "parallel/task-ranges.h"

namespace {

// Budget 4 whatever the machine: the pool logic, not the speed, is under test.
constexpr int kBudget = 4;

void check_cover(int64_t n) {
  std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
  for (auto& h : hits) h.store(0);
  std::atomic<int> chunks{0};
  std::mutex mu;
  std::set<std::thread::id> threads;
  convkit::parallel_for(n, [&](int64_t lo, int64_t hi) {
    CHECK(lo < hi && lo >= 0 && hi <= n, "n %lld: chunk [%lld, %lld)", (long long)n, (long long)lo, (long long)hi);
    for (int64_t i = lo; i < hi; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
    chunks.fetch_add(1);
    std::lock_guard<std::mutex> lock(mu);
    threads.insert(std::this_thread::get_id());
  });
  for (int64_t i = 0; i < n; ++i) {
    CHECK(hits[static_cast<size_t>(i)].load() == 1, "n %lld: index %lld run %d times", (long long)n, (long long)i,
          hits[static_cast<size_t>(i)].load());
  }
  // Up to 4 chunks per thread (each thread's range in pieces, taken dynamically).
  CHECK(chunks.load() <= 4 * kBudget, "n %lld: %d chunks", (long long)n, chunks.load());
  CHECK(static_cast<int>(threads.size()) <= kBudget, "n %lld: %d threads", (long long)n, static_cast<int>(threads.size()));
}

}  // namespace

// First, in a fresh pool: a sync call's helpers run at the caller's priority; an async job
// (run_on_pool) and the helpers of its parallel_for run lowered (nice +2), the sync helpers it
// takes turned into async workers. Linux only (nice is per thread there).
TEST(worker_priorities_by_kind) {
#if defined(__linux__)
  if (std::getenv("CONVKIT_WORKER_NICE") != nullptr) return;
  convkit::set_num_threads(kBudget);
  auto my_nice = [] {
    errno = 0;
    return getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
  };
  const int base = my_nice();
  const int lowered = std::min(19, base + 2);
  std::mutex mu;
  std::set<int> seen;
  auto record = [&](int64_t, int64_t) {
    const int v = my_nice();
    for (auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
         std::chrono::steady_clock::now() < until;) {
    }
    std::lock_guard<std::mutex> lock(mu);
    seen.insert(v);
  };
  for (int rep = 0; rep < 5; ++rep) convkit::parallel_for(kBudget * 4, record);
  CHECK(seen.size() == 1 && *seen.begin() == base, "sync call: %d nice values, first %d, caller %d",
        static_cast<int>(seen.size()), *seen.begin(), base);
  CHECK(convkit::get_pool_stats().threads_started > 0, "no helper ran");
  seen.clear();
  int job_nice = 0;
  convkit::run_on_pool([&] {
    job_nice = my_nice();
    for (int rep = 0; rep < 5; ++rep) convkit::parallel_for(kBudget * 4, record);
  });
  CHECK(job_nice == lowered, "async job at nice %d, want %d", job_nice, lowered);
  CHECK(seen.size() == 1 && *seen.begin() == lowered, "async job's parallel_for: %d nice values, %d to %d, want %d",
        static_cast<int>(seen.size()), *seen.begin(), *seen.rbegin(), lowered);
#endif
}

TEST(covers_range_once) {
  convkit::set_num_threads(kBudget);
  for (int64_t n : {0, 1, 2, 3, 4, 5, 7, 64, 1000, 100003}) check_cover(n);
}

// Workers asleep (after a pause longer than their spin) or slow to start: the caller runs the
// chunks they have not claimed and revokes their postings; every chunk still runs once, and a
// revoked worker takes its next posting normally.
TEST(late_workers_are_revoked_not_waited_for) {
  convkit::set_num_threads(kBudget);
  for (int round = 0; round < 200; ++round) {
    if (round % 20 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    check_cover(round % 2 ? 3 : 1000);
  }
  // Chunks that take a while: workers do claim some, so both paths mix.
  for (int round = 0; round < 20; ++round) {
    std::this_thread::sleep_for(std::chrono::microseconds(300));
    std::atomic<int64_t> sum{0};
    convkit::parallel_for(kBudget, [&](int64_t lo, int64_t hi) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
      while (std::chrono::steady_clock::now() < until) {
      }
      for (int64_t i = lo; i < hi; ++i) sum.fetch_add(i + 1);
    });
    CHECK(sum.load() == kBudget * (kBudget + 1) / 2, "sum %lld", (long long)sum.load());
  }
}

// Pieces and their merging (parallel.cc kPiecesPerRange, kMergeBelowMicros): tasks that take
// a while stay in pieces of at most ceil(n / (4 * participants)) tasks, so a descheduled
// thread holds up one piece; short ones let a participant run the rest of its own range as
// one call (fewer calls of per-call set-up). Either way every task runs once.
TEST(pieces_for_long_calls_merged_for_short_ones) {
  convkit::set_num_threads(kBudget);
  // parallel_for over n tasks of task_ns each: the longest call of fn, in tasks.
  auto longest_call = [](int64_t n, int64_t task_ns) {
    std::atomic<int64_t> longest{0}, sum{0};
    convkit::parallel_for(n, [&](int64_t lo, int64_t hi) {
      int64_t seen = longest.load();
      while (hi - lo > seen && !longest.compare_exchange_weak(seen, hi - lo)) {
      }
      const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(task_ns * (hi - lo));
      while (std::chrono::steady_clock::now() < until) {
      }
      for (int64_t i = lo; i < hi; ++i) sum.fetch_add(i + 1);
    });
    CHECK(sum.load() == n * (n + 1) / 2, "n %lld: sum %lld", (long long)n, (long long)sum.load());
    return longest.load();
  };
  const int64_t n = 16 * kBudget, piece = (n + 4 * kBudget - 1) / (4 * kBudget);
  for (int round = 0; round < 5; ++round) {
    const int64_t longest = longest_call(n, 60000);
    CHECK(longest <= piece, "a call of %lld tasks of 60 us, pieces of %lld", (long long)longest, (long long)piece);
  }
  // Short tasks (0.8 us: pieces of ~50 us), not instant ones: with instant tasks the workers can
  // finish every range, the caller's too, before the caller has posted them all (it did under
  // ASan), and then nobody has a range left to merge.
  int64_t merged = 0;
  for (int round = 0; round < 20; ++round) merged = std::max(merged, longest_call(1000, 800));
  if (convkit::get_num_threads() > 1) {
    CHECK(merged > (1000 + 4 * kBudget - 1) / (4 * kBudget), "short tasks never merged: longest call %lld",
          (long long)merged);
  }
}

TEST(nested_runs_inline) {
  convkit::set_num_threads(kBudget);
  std::atomic<int> inner_chunks{0};
  convkit::parallel_for(8, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      convkit::parallel_for(100, [&](int64_t a, int64_t b) {
        CHECK(a == 0 && b == 100, "nested chunk [%lld, %lld)", (long long)a, (long long)b);
        inner_chunks.fetch_add(1);
      });
    }
  });
  CHECK(inner_chunks.load() == 8, "%d inner chunks", inner_chunks.load());
}

TEST(budget_one_is_inline) {
  convkit::set_num_threads(1);
  const auto me = std::this_thread::get_id();
  convkit::parallel_for(1000, [&](int64_t lo, int64_t hi) {
    CHECK(lo == 0 && hi == 1000 && std::this_thread::get_id() == me, "not inline");
  });
  convkit::set_num_threads(kBudget);
}

TEST(exceptions_reach_the_caller) {
  convkit::set_num_threads(kBudget);
  for (int rep = 0; rep < 20; ++rep) {
    bool caught = false;
    try {
      convkit::parallel_for(kBudget, [&](int64_t lo, int64_t) {
        if (lo == kBudget - 1) throw std::runtime_error("chunk failed");
      });
    } catch (const std::runtime_error&) {
      caught = true;
    }
    CHECK(caught, "rep %d: exception lost", rep);
  }
  bool caught = false;
  try {
    convkit::run_on_pool([] { throw std::runtime_error("job failed"); });
  } catch (const std::runtime_error&) {
    caught = true;
  }
  CHECK(caught, "run_on_pool lost the exception");
  // The pool still works afterwards.
  check_cover(1000);
}

// 16 callers x 50 jobs, each job a parallel_for: never more than the budget computing at
// once (no caller computes itself: all go through run_on_pool), never more than the budget
// of pool threads, and every job sees all its indices.
TEST(concurrent_callers_share_the_budget) {
  convkit::set_num_threads(kBudget);
  std::atomic<int> now{0}, most{0}, bad{0};
  auto enter = [&] {
    const int v = now.fetch_add(1) + 1;
    int m = most.load();
    while (v > m && !most.compare_exchange_weak(m, v)) {
    }
  };
  std::vector<std::thread> callers;
  for (int c = 0; c < 16; ++c) {
    callers.emplace_back([&, c] {
      for (int j = 0; j < 50; ++j) {
        convkit::run_on_pool([&] {
          std::atomic<int64_t> sum{0};
          const int64_t n = 2000 + c * 37 + j;
          convkit::parallel_for(n, [&](int64_t lo, int64_t hi) {
            enter();
            int64_t s = 0;
            for (int64_t i = lo; i < hi; ++i) s += i;
            for (volatile int spin = 0; spin < 2000; ++spin) {
            }
            sum.fetch_add(s);
            now.fetch_sub(1);
          });
          if (sum.load() != n * (n - 1) / 2) bad.fetch_add(1);
        });
      }
    });
  }
  for (auto& t : callers) t.join();
  const convkit::pool_stats st = convkit::get_pool_stats();
  CHECK(bad.load() == 0, "%d jobs lost indices", bad.load());
  CHECK(most.load() <= kBudget, "%d chunks ran at once, budget %d", most.load(), kBudget);
  CHECK(st.peak_active <= kBudget, "peak %d threads under the budget %d", st.peak_active, kBudget);
  CHECK(st.threads_started <= kBudget, "%d pool threads started, budget %d", st.threads_started, kBudget);
  std::printf("  16 callers: at most %d chunks at once, %d pool threads, peak %d\n", most.load(),
              st.threads_started, st.peak_active);
}

// A smaller budget takes effect for the next calls; a larger one lets waiting jobs start.
TEST(budget_changes) {
  convkit::set_num_threads(2);
  std::mutex mu;
  std::set<std::thread::id> threads;
  convkit::parallel_for(100, [&](int64_t, int64_t) {
    std::lock_guard<std::mutex> lock(mu);
    threads.insert(std::this_thread::get_id());
  });
  CHECK(threads.size() <= 2, "%d threads with budget 2", static_cast<int>(threads.size()));
  convkit::set_num_threads(kBudget);
}

// The packing hand-off (parallel/pack-once.h) under parallel_for: every piece is packed exactly
// once, every thread sees every piece packed before it goes on, whatever the interleaving.
TEST(pack_once_packs_each_piece_once) {
  convkit::set_num_threads(kBudget);
  for (int round = 0; round < 200; ++round) {
    const int64_t pieces = 1 + round % 37;
    std::vector<std::atomic<int>> state(static_cast<size_t>(pieces));
    std::vector<std::atomic<int>> packed(static_cast<size_t>(pieces));
    for (auto& s : state) s.store(convkit::kUnpacked);
    for (auto& p : packed) p.store(0);
    std::vector<int> value(static_cast<size_t>(pieces), 0);
    std::atomic<int> bad{0};
    convkit::parallel_for(kBudget * 4, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        convkit::pack_once(state.data(), pieces, [&](int64_t i) {
          packed[static_cast<size_t>(i)].fetch_add(1);
          value[static_cast<size_t>(i)] = static_cast<int>(i) + 1;  // plain write, published by the release
        });
        for (int64_t i = 0; i < pieces; ++i) {
          if (value[static_cast<size_t>(i)] != i + 1) bad.fetch_add(1);
        }
      }
    });
    for (int64_t i = 0; i < pieces; ++i) {
      CHECK(packed[static_cast<size_t>(i)].load() == 1, "round %d: piece %lld packed %d times", round, (long long)i,
            packed[static_cast<size_t>(i)].load());
    }
    CHECK(bad.load() == 0, "round %d: %d reads of a piece before it was packed", round, bad.load());
  }
}

// run_own_range_then_others: every task runs exactly once whatever the callers' number and
// speed (some callers sleep, so the others take their ranges), and a lone caller runs the
// tasks in order, its own range first.
TEST(task_ranges_run_each_task_once) {
  for (int round = 0; round < 60; ++round) {
    const int64_t n = round % 7 == 0 ? 0 : 1 + (round * 37) % 500;
    const int64_t parts = 1 + round % 5;
    std::vector<std::atomic<int64_t>> taken(static_cast<size_t>(parts));
    for (auto& t : taken) t.store(0);
    std::vector<std::atomic<int>> runs(static_cast<size_t>(n));
    for (auto& r : runs) r.store(0);
    std::vector<std::thread> callers;
    for (int64_t self = 0; self < parts; ++self) {
      callers.emplace_back([&, self] {
        if (self % 2 == 1) std::this_thread::sleep_for(std::chrono::microseconds(200));
        convkit::run_own_range_then_others(n, parts, self, taken.data(), [&](int64_t t) {
          runs[static_cast<size_t>(t)].fetch_add(1);
        });
      });
    }
    for (auto& c : callers) c.join();
    for (int64_t t = 0; t < n; ++t) {
      CHECK(runs[static_cast<size_t>(t)].load() == 1, "round %d: task %lld ran %d times", round,
            (long long)t, runs[static_cast<size_t>(t)].load());
    }
  }
  std::vector<std::atomic<int64_t>> taken(3);
  for (auto& t : taken) t.store(0);
  std::vector<int64_t> order;
  convkit::run_own_range_then_others(10, 3, 1, taken.data(), [&](int64_t t) { order.push_back(t); });
  const std::vector<int64_t> want = {3, 4, 5, 6, 7, 8, 9, 0, 1, 2};  // ranges [0,3) [3,6) [6,10)
  CHECK(order == want, "lone caller 1 of 3 ran the tasks out of order");
}

#if defined(__linux__)
// Calls fn(dir) for each of the pool's threads (named convkit-pool), dir = /proc/self/task/<tid>.
template <class Fn>
void for_each_pool_thread(const Fn& fn) {
  DIR* d = opendir("/proc/self/task");
  if (d == nullptr) return;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    const std::string dir = std::string("/proc/self/task/") + e->d_name;
    std::ifstream comm(dir + "/comm");
    std::string name;
    std::getline(comm, name);
    if (name == "convkit-pool") fn(dir);
  }
  closedir(d);
}

// CPU time (ms) the pool's threads have used so far, from schedstat.
double pool_cpu_ms() {
  double ms = 0;
  for_each_pool_thread([&](const std::string& dir) {
    std::ifstream stat(dir + "/schedstat");
    long long run_ns = 0;
    stat >> run_ns;
    ms += run_ns / 1e6;
  });
  return ms;
}

// Voluntary context switches (sleeps) of the pool's threads so far.
long long pool_sleeps() {
  long long n = 0;
  for_each_pool_thread([&](const std::string& dir) {
    std::ifstream status(dir + "/status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) n += std::atoll(line.c_str() + 24);
    }
  });
  return n;
}

// `count` threads outside the pool spinning on arithmetic while this lives (busy neighbours).
struct busy_threads {
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  explicit busy_threads(int count) {
    for (int i = 0; i < count; ++i) {
      threads.emplace_back([this] {
        volatile double x = 1.0;
        while (!stop.load(std::memory_order_relaxed)) x = x * 1.0000001 + 1e-9;
      });
    }
  }
  ~busy_threads() {
    stop.store(true);
    for (auto& t : threads) t.join();
  }
};
#endif

// The warm window (parallel.cc, keep_warm_until): an idle worker keeps its core for at most
// ~20 ms after its last job, then sleeps; with more busy threads than cores it sleeps at once.
TEST(warm_workers_sleep_after_the_window_or_for_a_neighbour) {
#if defined(__linux__)
  if (std::getenv("CONVKIT_WORKER_WARM_MS") != nullptr) return;
  convkit::set_num_threads(2);
  auto touch_pool = [] {
    std::atomic<int64_t> sum{0};
    convkit::parallel_for(64, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        volatile double x = 0;
        for (int k = 0; k < 20000; ++k) x = x + k;
        sum.fetch_add(i);
      }
    });
    CHECK(sum.load() == 64 * 63 / 2, "sum %lld", (long long)sum.load());
  };
  touch_pool();
  double before = pool_cpu_ms();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const double idle = pool_cpu_ms() - before;
  // 20 ms warm per worker (one helper at budget 2), a generous margin for a slow machine.
  CHECK(idle < 60, "the pool used %.1f ms of CPU in 300 ms idle", idle);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  double busy;
  {
    busy_threads neighbours(2 * cores);
    touch_pool();
    before = pool_cpu_ms();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    busy = pool_cpu_ms() - before;
  }
  CHECK(busy < 10, "the pool used %.1f ms of CPU in 300 ms next to %d busy threads", busy, 2 * cores);
  std::printf("  pool CPU in 300 ms after a call: %.1f ms idle machine, %.1f ms next to busy threads\n", idle, busy);
  convkit::set_num_threads(kBudget);
#endif
}


// Busy neighbours (parallel.cc's file comment): a worker whose share is done while more threads
// are runnable than cores sleeps at once, so the next call's posting wakes it (and the scheduler
// lets a woken thread preempt a busy one); on an idle machine it spins and takes back-to-back
// calls without sleeping. ctest runs this binary alone (RUN_SERIAL): other tests' threads
// would count as busy ones.
TEST(workers_sleep_between_calls_next_to_busy_threads) {
#if defined(__linux__)
  if (std::getenv("CONVKIT_WORKER_WARM_MS") != nullptr) return;
  convkit::set_num_threads(2);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // 100 calls of 64 tasks of ~5 us, 20 us apart: how many had a helper run tasks, and how many
  // began with more threads runnable machine-wide than cores (/proc/loadavg's count, which is
  // what the pool reads: the machine is shared, so the "idle" calls may not all be).
  struct counts {
    int helped = 0, crowded = 0;
  };
  auto calls = [cores] {
    const auto me = std::this_thread::get_id();
    counts c;
    for (int call = 0; call < 100; ++call) {
      std::ifstream loadavg("/proc/loadavg");
      double avg1, avg5, avg15;
      int running = 0;
      loadavg >> avg1 >> avg5 >> avg15 >> running;  // "0.52 0.58 0.59 3/412 1234": the 3
      c.crowded += running > cores;
      std::atomic<int64_t> sum{0};
      std::atomic<bool> other{false};
      convkit::parallel_for(64, [&](int64_t lo, int64_t hi) {
        if (std::this_thread::get_id() != me) other.store(true);
        for (int64_t i = lo; i < hi; ++i) {
          const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(5);
          while (std::chrono::steady_clock::now() < until) {
          }
          sum.fetch_add(i);
        }
      });
      CHECK(sum.load() == 64 * 63 / 2, "sum %lld", (long long)sum.load());
      c.helped += other.load();
      // The caller's own work between calls (a model's glue between layers): shorter than a
      // worker's spin, so an idle machine's helper takes the next call without sleeping.
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(20);
      while (std::chrono::steady_clock::now() < until) {
      }
    }
    return c;
  };
  calls();  // the helper started and warm
  long long before = pool_sleeps();
  const counts idle_calls = calls();
  const long long idle = pool_sleeps() - before;
  counts busy_calls;
  long long busy;
  {
    busy_threads neighbours(cores);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // past the runnable count's cache
    before = pool_sleeps();
    busy_calls = calls();
    busy = pool_sleeps() - before;
  }
  std::printf("  100 calls: no busy threads of ours, %d helped, %lld pool sleeps, %d began with the machine "
              "crowded; next to %d busy threads, %d helped, %lld sleeps\n",
              idle_calls.helped, idle, idle_calls.crowded, cores, busy_calls.helped, busy);
  // Where the machine was idle (a shared CI machine sometimes is not: once 47 helped, 19 sleeps),
  // the helper takes the calls without sleeping.
  if (idle_calls.crowded < 10) {
    CHECK(idle_calls.helped >= 50 && idle < 50, "idle machine: %d of 100 calls helped, %lld pool sleeps",
          idle_calls.helped, idle);
  }
  // Each call a helper ran tasks in ends with its sleep (and a revoked posting's wake too).
  CHECK(busy_calls.helped >= 5 && busy >= busy_calls.helped * 9 / 10,
        "next to %d busy threads: %d calls helped, %lld pool sleeps", cores, busy_calls.helped, busy);
  convkit::set_num_threads(kBudget);
#endif
}

int main() { return test::run_all("parallel-test"); }
