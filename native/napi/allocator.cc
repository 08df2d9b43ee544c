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
// of RSS after the burst, every round; malloc_trim brought it to 59 MiB. So: once 64 MiB of
// burst memory has been freed while no async call is in flight, a background thread waits
// for the frees to settle (50 ms without another) and trims (malloc_trim releases whole free
// pages anywhere in every arena, not just the top). Nothing runs on the JS thread.
namespace {
constexpr int64_t kTrimAfterBytes = int64_t{64} << 20;
std::atomic<int64_t> in_flight{0};
std::atomic<int64_t> freed_since_trim{0};

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

void note_freed(int64_t bytes) {
  const int64_t total = freed_since_trim.fetch_add(bytes, std::memory_order_acq_rel) + bytes;
  if (total < kTrimAfterBytes || in_flight.load(std::memory_order_acquire) != 0) return;
  freed_since_trim.store(0, std::memory_order_release);
  the_trimmer().request();
}
}  // namespace

void async_call_started(int64_t) { in_flight.fetch_add(1, std::memory_order_acq_rel); }

void async_call_finished(int64_t owned_bytes) {
  in_flight.fetch_sub(1, std::memory_order_acq_rel);
  note_freed(owned_bytes);
}

void output_freed(int64_t bytes) { note_freed(bytes); }

}  // namespace convkit::glue
