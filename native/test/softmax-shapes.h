// Softmax test shapes shared by activation-test.cc and activation-backward-test.cc.
#pragma once
#include <cstdint>

namespace test {

// [outer, axis, inner]; alias: also run with the output written over an input.
struct softmax_shape {
  int64_t outer, axis, inner;
  bool alias;
};
inline constexpr softmax_shape kSoftmaxShapes[] = {
    {7, 10, 1, false}, {3, 5, 4, false}, {1, 1, 1, false}, {200, 1000, 1, true}, {2, 33, 17, true},
};

}  // namespace test
