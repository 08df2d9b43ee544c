// Binary element-wise ops with NumPy broadcasting, of the convkit core. No Node here.
#pragma once
#include <cstdint>

namespace convkit {

enum class binary_kind : int32_t { add = 0, sub = 1, mul = 2, div = 3, pow = 4, maximum = 5, minimum = 6 };

// y = a (op) b over the output viewed as the row-major loop nest dims[0..ndim) (outermost first),
// a read at sum_k i_k * a_strides[k], b at sum_k i_k * b_strides[k] (0 where broadcast); size is
// the product of dims (0 or 1 when ndim == 0). The innermost dim runs the vectorized ukernels:
// both strides 1 (same shape, or an NHWC [C] bias), one of them 0 (a scalar operand, or an NCHW
// [C, 1, 1] bias row). maximum and minimum propagate NaN; pow is std::pow. y may alias an input
// that has size elements. Threaded above 2^17 elements.
void binary(binary_kind kind, const float* a, const float* b, float* y, int ndim, const int64_t* dims,
            const int64_t* a_strides, const int64_t* b_strides, int64_t size);

}  // namespace convkit
