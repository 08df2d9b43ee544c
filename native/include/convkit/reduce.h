// Reductions along one axis of the convkit core. No Node here.
#pragma once
#include <cstdint>

namespace convkit {

enum class reduce_kind : int32_t { sum = 0, mean = 1, max = 2, min = 3 };

// x viewed as [outer, axis, inner]; y[o * inner + i] = the reduction of x[o, :, i]. Sums in
// float (several vector accumulators); max and min propagate NaN. An empty axis gives 0 (sum),
// NaN (mean), -inf (max), +inf (min). Threaded for large inputs.
void reduce(reduce_kind kind, const float* x, float* y, int64_t outer, int64_t axis, int64_t inner);

// y[o * inner + i] = the index along the axis of the first maximum of x[o, :, i]; the first NaN
// wins (as PyTorch). axis >= 1.
void argmax(const float* x, int32_t* y, int64_t outer, int64_t axis, int64_t inner);

}  // namespace convkit
