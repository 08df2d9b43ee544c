// Checked size arithmetic for the validators (conv2d-check.cc, pool2d-check.cc): a product of
// dimensions, each < 2^31, that must stay under 2^53 (JavaScript's exact integers, and far
// from int64 overflow for the drivers' own products).
#pragma once
#include <cstdint>
#include <initializer_list>

namespace convkit {

constexpr int64_t kMaxDim = (int64_t{1} << 31) - 1;
constexpr int64_t kMaxElements = (int64_t{1} << 53) - 1;

inline bool checked_elements(std::initializer_list<int64_t> factors) {
  int64_t r = 1;
  for (int64_t f : factors) {
    if (__builtin_mul_overflow(r, f, &r) || r > kMaxElements) return false;
  }
  return true;
}

}  // namespace convkit
