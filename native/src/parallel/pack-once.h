// The packing hand-off shared by the GEMM (gemm.cc: packed A and B blocks) and the conv paths
// (conv2d-igemm.cc: padded rows and weight panels): pieces of shared work, each done once, by
// the first thread that needs it; the others wait until it is done. A claimer never waits
// before it has finished its piece, so every wait ends (no thread waits on a thread that waits).
// Internal to native/src; tested in native/test/parallel-test.cc.
#pragma once
#include <atomic>
#include <cstdint>
#include <thread>

namespace convkit {

enum : int { kUnpacked = 0, kPacking = 1, kPacked = 2 };

// True for exactly one caller per piece: that caller does the piece, then mark_packed().
inline bool claim(std::atomic<int>& state) {
  int s = state.load(std::memory_order_acquire);
  return s == kUnpacked && state.compare_exchange_strong(s, kPacking, std::memory_order_acq_rel);
}

inline void mark_packed(std::atomic<int>& state) { state.store(kPacked, std::memory_order_release); }

// Spins until ready() (an acquire load) holds; yields after a while, as the thread it waits
// for may have been descheduled.
template <class Ready>
void spin_until(const Ready& ready) {
  for (int spins = 0; !ready(); ++spins) {
    if (spins >= 256) std::this_thread::yield();
  }
}

inline void wait_packed(std::atomic<int>& state) {
  spin_until([&] { return state.load(std::memory_order_acquire) == kPacked; });
}

// Pieces [0, n) of `states`: does every piece no other thread has taken, then waits for the rest.
template <class Pack>
void pack_once(std::atomic<int>* states, int64_t n, const Pack& pack) {
  for (int64_t i = 0; i < n; ++i) {
    if (claim(states[i])) {
      pack(i);
      mark_packed(states[i]);
    }
  }
  for (int64_t i = 0; i < n; ++i) wait_packed(states[i]);
}

}  // namespace convkit
