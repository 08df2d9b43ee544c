// A grow-only, 64-byte aligned float buffer. Used thread_local so each thread reuses its
// packing / im2col space across calls; freed when the thread exits, never leaked.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>

namespace convkit {

class workspace {
 public:
  workspace() = default;
  workspace(const workspace&) = delete;
  workspace& operator=(const workspace&) = delete;
  ~workspace() { std::free(data_); }

  // At least n floats, 64-byte aligned; contents unspecified. Throws std::bad_alloc.
  float* get(size_t n) {
    if (n > capacity_) {
      std::free(data_);
      data_ = nullptr;
      capacity_ = 0;
      const size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
      data_ = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (data_ == nullptr) throw std::bad_alloc();
      capacity_ = bytes / sizeof(float);
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace convkit
