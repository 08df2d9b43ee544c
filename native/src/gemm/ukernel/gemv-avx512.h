// The AVX-512F vector steps of the GEMV kernels (gemv-rows.h): 16 lanes, every step under a
// lane mask (tail_mask), and a software prefetch of the next 4 rows of B: on a cold 2048x1000
// B (native/bench/gemm-bench fc_b1, 1 thread) the nn kernel read 13-18 GB/s with the hardware
// prefetchers alone, 20-24 GB/s with the prefetch one sweep ahead. Include only from files
// built with the avx512 flags (sources.json "avx512"); internal linkage, as util/avx512-helpers.h.
#pragma once
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "gemv-rows.h"
#include "util/avx512-helpers.h"

namespace convkit {
namespace {

struct gemv_avx512 {
  using vec = __m512;
  static constexpr int64_t width = 16;

  // Lanes i..i+15 of a row, those past its end masked off.
  struct lanes {
    __mmask16 mk;
    __m512 load(const float* s) const { return _mm512_maskz_loadu_ps(mk, s); }
    void store(float* d, __m512 v) const { _mm512_mask_storeu_ps(d, mk, v); }
  };

  explicit gemv_avx512(int64_t end) : end_(end) {}
  int64_t vec_end() const { return end_; }
  lanes at(int64_t i) const { return {tail_mask(end_ - i)}; }

  static __m512 zero() { return _mm512_setzero_ps(); }
  static __m512 splat(float v) { return _mm512_set1_ps(v); }
  static __m512 fma(__m512 a, __m512 b, __m512 acc) { return _mm512_fmadd_ps(a, b, acc); }
  static float sum(__m512 v) { return _mm512_reduce_add_ps(v); }
  static void prefetch4(const float* row, int64_t ld) {
    for (int r = 0; r < 4; ++r) _mm_prefetch(reinterpret_cast<const char*>(row + r * ld), _MM_HINT_T0);
  }

 private:
  int64_t end_;
};

}  // namespace
}  // namespace convkit
