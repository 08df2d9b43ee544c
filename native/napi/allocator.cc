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
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>

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
// the same time; once they are freed, glibc keeps the free chunks below the top of the heap,
// and the idle arenas of the libuv threads, mapped. When the last call of a burst that owned
// more than kTrimAfterBytes ends, hand the free pages back (malloc_trim releases whole free
// pages anywhere in every arena, not just the top).
namespace {
constexpr int64_t kTrimAfterBytes = int64_t{64} << 20;
std::atomic<int64_t> in_flight{0};
std::atomic<int64_t> burst_bytes{0};
}  // namespace

void async_call_started(int64_t owned_bytes) {
  in_flight.fetch_add(1, std::memory_order_relaxed);
  burst_bytes.fetch_add(owned_bytes, std::memory_order_relaxed);
}

void async_call_finished() {
  if (in_flight.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (burst_bytes.exchange(0, std::memory_order_acq_rel) < kTrimAfterBytes) return;
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace convkit::glue
