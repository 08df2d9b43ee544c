// Keeps freed tensor memory in the process heap (glibc only), once per process.
//
// Every op returns a fresh Float32Array, which V8 allocates with calloc. glibc serves
// blocks above its mmap threshold (128 KiB at start) with mmap, and gives the heap top back
// to the kernel once more than the trim threshold (256 KiB at start) is free; either way
// the next output lands on pages the kernel has to fault in and zero. On the machines we
// measure, a fault costs ~20 us, so a 128 KiB output (the 64x64x8 `seed` layer) took
// 0.6 ms of faults for 0.04 ms of convolution. glibc raises both thresholds by itself after
// freeing a large mmap'd block, up to 32 MiB / 64 MiB; we start there instead. Freed
// memory up to 64 MiB stays mapped (RSS) for the next allocation.
// CONVKIT_MALLOC_TUNING=0 leaves the allocator as the process configured it.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "async.h"
#include "glue.h"

namespace convkit::glue {

bool tune_allocator() {
  static bool tuned = false;
  static std::once_flag once;
  std::call_once(once, [] {
#if defined(__GLIBC__)
    const char* env = std::getenv("CONVKIT_MALLOC_TUNING");
    if (env != nullptr && std::strcmp(env, "0") == 0) return;
    // Respect a process that set its own policy through glibc's environment variables.
    if (std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TRIM_THRESHOLD_")) return;
    tuned = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, 64 << 20) == 1;
#endif
  });
  return tuned;
}

// A burst of async calls (thousands queued at once) holds their owned copies and outputs at
// the same time. Once they are freed (the copies when each call ends, the outputs when GC
// finalizes them), glibc keeps the free chunks mapped: below live chunks at the top of the
// heap, and in the arenas of the libuv threads. 20,000 queued 32 KB convolutions left 860 MiB
// of RSS after the burst, every round; malloc_trim brought it to 59 MiB. So, after a burst
// (at least kBurstCalls calls and kBurstBytes held at once), a background thread trims
// (malloc_trim releases whole free pages anywhere in every arena, not just the top) once the
// copies are freed, and again as GC frees the burst's outputs, each time after the frees
// settle (50 ms without another). Nothing runs on the JS thread. Calls one after another are
// no burst: trimming between them made every call fault its pages in again (sq1024 gemmAsync,
// 12 MB a call: 13.5 -> 26.7 ms).
namespace {
constexpr int64_t kBurstBytes = int64_t{64} << 20;
constexpr int64_t kBurstCalls = 16;

struct burst_state {
  std::mutex mu;
  int64_t calls = 0, held = 0;            // in flight now
  int64_t peak_calls = 0, peak_held = 0;  // since the last moment with none in flight
  int64_t outputs = 0;                    // bytes of the outputs made since then
  int64_t watch = 0;                      // output bytes of past bursts not yet freed
  int64_t freed = 0;                      // of those, freed since the last trim
};
burst_state& burst() {
  static burst_state* b = new burst_state();  // used from any environment until exit
  return *b;
}

class trimmer {
 public:
  void request() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++requests_;
      if (!started_) {
        started_ = true;
        std::thread([this] { run(); }).detach();
      }
    }
    cv_.notify_one();
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return requests_ != done_; });
      // Debounce: a GC finalizes thousands of outputs in a row.
      int64_t seen;
      do {
        seen = requests_;
        cv_.wait_for(lock, std::chrono::milliseconds(50));
      } while (seen != requests_);
      done_ = requests_;
      lock.unlock();
#if defined(__GLIBC__)
      malloc_trim(0);
#endif
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  int64_t requests_ = 0, done_ = 0;
  bool started_ = false;
};

trimmer& the_trimmer() {
  static trimmer* t = new trimmer();  // never destroyed: its thread may outlive static teardown
  return *t;
}

}  // namespace

void async_call_started(int64_t held_bytes, int64_t output_bytes) {
  burst_state& b = burst();
  std::lock_guard<std::mutex> lock(b.mu);
  b.calls += 1;
  b.held += held_bytes;
  b.outputs += output_bytes;
  b.peak_calls = std::max(b.peak_calls, b.calls);
  b.peak_held = std::max(b.peak_held, b.held);
}

void async_call_finished(int64_t held_bytes) {
  burst_state& b = burst();
  bool trim = false;
  {
    std::lock_guard<std::mutex> lock(b.mu);
    b.calls -= 1;
    b.held -= held_bytes;
    if (b.calls == 0) {
      trim = b.peak_calls >= kBurstCalls && b.peak_held >= kBurstBytes;
      if (trim) b.watch += b.outputs;  // freed later, by GC
      b.peak_calls = b.peak_held = b.outputs = 0;
    }
  }
  if (trim) the_trimmer().request();
}

void output_freed(int64_t bytes) {
  burst_state& b = burst();
  bool trim = false;
  {
    std::lock_guard<std::mutex> lock(b.mu);
    if (b.watch <= 0) return;
    b.watch -= bytes;
    b.freed += bytes;
    trim = b.freed >= kBurstBytes || b.watch <= 0;
    if (trim) b.freed = 0;
    if (b.watch < 0) b.watch = 0;
  }
  if (trim) the_trimmer().request();
}

}  // namespace convkit::glue
