// The per-thread workspace arenas (util/workspace.h) and the cap (convkit/workspace.h).
#include "util/workspace.h"

#include "configs/tuning.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

namespace convkit {

// A thread's workspaces that hold memory, and their bytes. Trivially destructible, so it stays
// usable while the thread's thread_local workspaces are destroyed at thread exit, whatever
// their order.
struct workspace_arena {
  workspace* head;
  size_t held;

  void link(workspace* w) {
    w->owner_ = this;
    w->prev_ = nullptr;
    w->next_ = head;
    if (head != nullptr) head->prev_ = w;
    head = w;
  }
  void unlink(workspace* w) {
    if (w->prev_ != nullptr) {
      w->prev_->next_ = w->next_;
    } else {
      head = w->next_;
    }
    if (w->next_ != nullptr) w->next_->prev_ = w->prev_;
    w->owner_ = nullptr;
    w->prev_ = w->next_ = nullptr;
  }
  // Frees the largest buffers until at most `limit` bytes are held (a thread has a few
  // dozen workspaces at most: a scan per buffer freed is cheap).
  void release_above(size_t limit) {
    while (held > limit) {
      workspace* largest = head;
      for (workspace* w = head; w != nullptr; w = w->next_) {
        if (w->bytes() > largest->bytes()) largest = w;
      }
      largest->release();
    }
  }
};

namespace {

thread_local workspace_arena this_arena{nullptr, 0};
std::atomic<int64_t> held_by_all{0};

// The default cap per thread. What the benchmark workloads (../shared/bench/suite.json) hold
// with the cap off, measured on this project's x86 dev machine (AVX-512), sync calls:
// on 1 thread, gemm sq2048 4 MiB, fc_b64 4.25 MiB, conv r1x1_56 3.3 MiB, r3x3_56_b8 (NCHW)
// 13.6 MiB, and 14.8 MiB once its backward has run too (a training step); on 2 threads all
// threads together hold at most 17 MiB. 16 MiB would leave a training step of r3x3_56_b8 within
// 10% of the cap, and other machines pack more (kc up to 512 and nc up to 4096: a larger packed
// B and A), so the default is 32 MiB: a steady workload of this size never reallocates, while a
// one-off larger call (a 64 MiB padded copy of a big image batch) gives its memory back when it
// returns. Pool workers hold far less (their panels and tiles), so the cap bounds the callers.
constexpr int64_t kDefaultCap = int64_t{32} << 20;

// CONVKIT_WORKSPACE_CAP: bytes, read once (an invalid value warns through configs/tuning.h).
int64_t cap() {
  static const int64_t c = tuning_int("CONVKIT_WORKSPACE_CAP", 0, int64_t{1} << 62, kDefaultCap);
  return c;
}

}  // namespace

void workspace::grow(size_t n) {
  release();
  if (n > (SIZE_MAX - 63) / sizeof(float)) throw std::bad_alloc();
  const size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
  data_ = static_cast<float*>(std::aligned_alloc(64, bytes));
  if (data_ == nullptr) throw std::bad_alloc();
  capacity_ = bytes / sizeof(float);
  workspace_arena& a = this_arena;
  a.link(this);
  a.held += bytes;
  held_by_all.fetch_add(static_cast<int64_t>(bytes), std::memory_order_relaxed);
}

void workspace::release() noexcept {
  if (data_ == nullptr) return;
  const size_t b = bytes();
  std::free(data_);
  data_ = nullptr;
  capacity_ = 0;
  workspace_arena* a = owner_;
  a->unlink(this);
  a->held -= b;
  held_by_all.fetch_sub(static_cast<int64_t>(b), std::memory_order_relaxed);
}

void workspace_release_above_cap() {
  workspace_arena& a = this_arena;
  if (a.held == 0) return;
  a.release_above(static_cast<size_t>(cap()));
}

int64_t workspace_bytes_held() { return held_by_all.load(std::memory_order_relaxed); }
int64_t workspace_thread_bytes_held() { return static_cast<int64_t>(this_arena.held); }
int64_t workspace_cap_bytes() { return cap(); }

}  // namespace convkit
