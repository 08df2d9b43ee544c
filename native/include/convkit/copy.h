// Data movement of the convkit core: one strided copy (transpose, slice, concat, split, the
// scatter of slice's gradient) and padding. No Node here.
#pragma once
#include <cstdint>

namespace convkit {

constexpr int kMaxCopyRank = 6;

// y[y_offset + sum_d i_d * y_strides[d]] = x[x_offset + sum_d i_d * x_strides[d]] for every
// index i of shape (rank <= kMaxCopyRank). x strides may be negative or zero; y strides should
// not make two indexes meet (they would write one place twice). Callers check the bounds
// (copy_extent).
struct strided_copy_params {
  int rank;
  int64_t shape[kMaxCopyRank];
  int64_t x_offset, x_strides[kMaxCopyRank];
  int64_t y_offset, y_strides[kMaxCopyRank];
};

// The lowest and highest element index offset + sum i_d * strides[d] reaches (lo > hi when
// shape has no elements).
void copy_extent(const strided_copy_params& p, bool of_y, int64_t& lo, int64_t& hi);

void copy_strided(const float* x, float* y, const strided_copy_params& p);

enum class pad_mode : int32_t { constant = 0, reflect = 1, edge = 2 };

// y [in_shape[d] + begin[d] + end[d]] from x [in_shape]; begin/end may be negative (crop).
// constant fills value; reflect mirrors without repeating the edge (needs pads < in_shape[d]);
// edge repeats the border value (needs in_shape[d] > 0 where a dimension is padded).
struct pad_params {
  int rank;
  int64_t in_shape[kMaxCopyRank];
  int64_t begin[kMaxCopyRank], end[kMaxCopyRank];
  pad_mode mode;
  float value;
};

void pad(const float* x, float* y, const pad_params& p);

}  // namespace convkit
