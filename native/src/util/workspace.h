// A grow-only, 64-byte aligned float buffer, used thread_local so each thread reuses its
// packing / im2col space across calls. Every workspace belongs to the arena of the thread that
// allocated it (util/workspace.cc), which counts its bytes per thread and process-wide; after a
// call, workspace_release_above_cap() (convkit/workspace.h) frees a thread's largest buffers
// until it holds at most the cap. Freed at thread exit (the count drops), never leaked.
//
// One thread uses a workspace: get() only on the thread whose thread_local it is (other
// threads may read the memory it returned while that thread's parallel_for runs).
#pragma once
#include <cstddef>

#include "convkit/workspace.h"

namespace convkit {

struct workspace_arena;

class workspace {
 public:
  workspace() = default;
  workspace(const workspace&) = delete;
  workspace& operator=(const workspace&) = delete;
  ~workspace() { release(); }

  // At least n floats, 64-byte aligned; contents unspecified. Throws std::bad_alloc. The hot
  // path (a buffer already large enough) is one comparison; counting happens on growth only.
  float* get(size_t n) {
    if (n > capacity_) grow(n);
    return data_;
  }

  // Gives the memory back (the next get() allocates again). Called by the owning thread.
  void release() noexcept;

  size_t bytes() const { return capacity_ * sizeof(float); }

 private:
  friend struct workspace_arena;
  void grow(size_t n);

  float* data_ = nullptr;
  size_t capacity_ = 0;
  // Links in the owner's list of workspaces that hold memory.
  workspace_arena* owner_ = nullptr;
  workspace* prev_ = nullptr;
  workspace* next_ = nullptr;
};

}  // namespace convkit
