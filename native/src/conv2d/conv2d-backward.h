// Shared by the conv backward drivers (conv2d-backward-data.cc, conv2d-backward-filter.cc)
// and the depthwise kernels (dwconv.cc). Internal to native/src/conv2d.
#pragma once
#include <cstdint>

#include "convkit/conv2d.h"

namespace convkit {

constexpr int64_t kFlushRows = 16;  // float partial sums go to double this often

inline bool is_depthwise(const conv2d_params& p) { return p.groups == p.in_channels && p.in_channels > 1; }

}  // namespace convkit
