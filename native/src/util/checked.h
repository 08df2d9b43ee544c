// Checked size arithmetic for the validators (conv2d-check.cc, pool2d-check.cc) and the N-API
// glue (napi/check.h): dimensions in range, and products of dimensions, each < 2^31, that must
// stay under 2^53 (JavaScript's exact integers, and far from int64 overflow for the drivers'
// own products).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>

namespace convkit {

constexpr int64_t kMaxDim = (int64_t{1} << 31) - 1;
constexpr int64_t kMaxElements = (int64_t{1} << 53) - 1;

// A dimension and the least value it may take (the validators' per-field rule).
struct dim_field {
  const char* name;
  int64_t value, lo;
};

// "<name> must be in [lo, 2^31 - 1], got v" for the first field out of range; empty if none.
inline std::string out_of_range(std::initializer_list<dim_field> fields) {
  for (const dim_field& f : fields) {
    if (f.value < f.lo || f.value > kMaxDim) {
      return std::string(f.name) + " must be in [" + std::to_string(f.lo) + ", " + std::to_string(kMaxDim) +
             "], got " + std::to_string(f.value);
    }
  }
  return {};
}

inline bool checked_elements(std::initializer_list<int64_t> factors) {
  int64_t r = 1;
  for (int64_t f : factors) {
    if (__builtin_mul_overflow(r, f, &r) || r > kMaxElements) return false;
  }
  return true;
}

}  // namespace convkit
