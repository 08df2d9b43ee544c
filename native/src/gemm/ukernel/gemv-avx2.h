// The AVX2 + FMA vector steps of the GEMV kernels (gemv-rows.h): 8 lanes, whole loads and
// stores below a row's last vector, maskload/maskstore in it. Include only from files built
// with the avx2 flags (sources.json "avx2"); internal linkage, so no copy built with these
// flags can be picked by the linker for another file.
#pragma once
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "gemv-rows.h"

namespace convkit {
namespace {

struct gemv_avx2 {
  using vec = __m256;
  static constexpr int64_t width = 8;

  // Lanes i..i+7 of a row: whole (below the row's last vector) or under the tail mask.
  struct lanes {
    bool whole;
    __m256i tail;
    __m256 load(const float* s) const { return whole ? _mm256_loadu_ps(s) : _mm256_maskload_ps(s, tail); }
    void store(float* d, __m256 v) const {
      if (whole) _mm256_storeu_ps(d, v);
      else _mm256_maskstore_ps(d, tail, v);
    }
  };

  explicit gemv_avx2(int64_t end) : end_(end), whole_end_(end / 8 * 8) {
    const int left = static_cast<int>(end - whole_end_);
    tail_ = _mm256_cmpgt_epi32(_mm256_set1_epi32(left), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  int64_t vec_end() const { return end_; }
  lanes at(int64_t i) const { return {i < whole_end_, tail_}; }

  static __m256 zero() { return _mm256_setzero_ps(); }
  static __m256 splat(float v) { return _mm256_set1_ps(v); }
  static __m256 fma(__m256 a, __m256 b, __m256 acc) { return _mm256_fmadd_ps(a, b, acc); }
  static float sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static void prefetch4(const float*, int64_t) {}  // the hardware streams suffice here

 private:
  int64_t end_, whole_end_;
  __m256i tail_;
};

}  // namespace
}  // namespace convkit
