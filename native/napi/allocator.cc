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
#include <cstdlib>
#include <cstring>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

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

}  // namespace convkit::glue
