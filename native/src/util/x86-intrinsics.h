// <immintrin.h> for the x86 kernels. GCC 12 warns "'__Y' may be used uninitialized" inside the
// intrinsics whose pass-through operand is _mm512_undefined_ps() / _mm256_undefined_pd()
// (_mm512_max_ps, _mm512_extractf64x4_pd, ...), and "is used uninitialized" in a function built
// with __attribute__((target)) (_mm512_cvtepi32_ps): GCC bug 105593, a false positive in the
// header itself, fixed in GCC 13. It is silenced for the header's own lines only, so the kernels' code
// keeps every warning. Include this first, instead of <immintrin.h>.
#pragma once
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#include <immintrin.h>
#endif
