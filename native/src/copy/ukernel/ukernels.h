// Data-movement ukernels: contracts, then the kernels (one file per ISA variant). The driver
// (copy/copy.cc) calls what the copy config holds (configs/copy-config.h).
#pragma once
#include <cstdint>

namespace convkit {

// y[j * ldy + i] = x[i * ldx + j] for i < rows, j < cols: one tile of a transpose, read along
// x's rows and written along y's rows.
using f32_transpose_tile_fn = void (*)(const float* x, int64_t ldx, float* y, int64_t ldy, int64_t rows,
                                       int64_t cols);

void f32_transpose_tile__scalar(const float* x, int64_t ldx, float* y, int64_t ldy, int64_t rows, int64_t cols);
void f32_transpose_tile__avx2(const float* x, int64_t ldx, float* y, int64_t ldy, int64_t rows, int64_t cols);

}  // namespace convkit
