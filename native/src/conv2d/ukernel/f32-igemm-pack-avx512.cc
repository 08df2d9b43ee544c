// Implicit-GEMM panel pack, AVX-512F (contract in conv2d/ukernel/ukernels.h). The panel's
// lanes go in chunks of 16; each segment piece in a chunk is one masked load whose address
// is shifted so that its floats land in their lanes, so a chunk costs one load per row of
// output positions it spans plus one store, whatever the padding (the copy has it built in).
// Compiled with the AVX-512 flags; uses intrinsics and plain loops only.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "conv2d/ukernel/ukernels.h"

namespace convkit {
namespace {

constexpr int kMaxChunks = 4;    // r <= 64
constexpr int kMaxPieces = 16;   // per chunk: at most one segment per lane

struct chunk_plan {
  int chunks, pieces;  // pieces per chunk, the unused ones with an empty mask
  int64_t off[kMaxChunks][kMaxPieces];
  __mmask16 mask[kMaxChunks][kMaxPieces];
  __mmask16 store[kMaxChunks];
};

// NC chunks of E pieces; the last chunk stores LAST lanes (16, or fewer: by its mask).
template <int NC, int E, int LAST>
void pack_rows(int64_t kc, const int64_t* tap, const float* x, const chunk_plan& cp, int64_t r,
               float* dst) {
  int64_t off[NC][E];
  __mmask16 m[NC][E];
  for (int c = 0; c < NC; ++c) {
    for (int e = 0; e < E; ++e) off[c][e] = cp.off[c][e], m[c][e] = cp.mask[c][e];
  }
  const __mmask16 last_store = cp.store[NC - 1];
  for (int64_t k = 0; k < kc; ++k, dst += r) {
    const float* s = x + tap[k];
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) {
      __m512 v = _mm512_maskz_loadu_ps(m[c][0], s + off[c][0]);
#pragma GCC unroll 4
      for (int e = 1; e < E; ++e) v = _mm512_mask_loadu_ps(v, m[c][e], s + off[c][e]);
      if (c < NC - 1 || LAST == 16) {
        _mm512_storeu_ps(dst + 16 * c, v);
      } else {
        _mm512_mask_storeu_ps(dst + 16 * c, last_store, v);
      }
    }
  }
}

void pack_rows_any(int64_t kc, const int64_t* tap, const float* x, const chunk_plan& cp,
                   int64_t r, float* dst) {
  for (int64_t k = 0; k < kc; ++k, dst += r) {
    const float* s = x + tap[k];
    for (int c = 0; c < cp.chunks; ++c) {
      __m512 v = _mm512_setzero_ps();
      for (int e = 0; e < cp.pieces; ++e) v = _mm512_mask_loadu_ps(v, cp.mask[c][e], s + cp.off[c][e]);
      _mm512_mask_storeu_ps(dst + 16 * c, cp.store[c], v);
    }
  }
}

}  // namespace

void f32_igemm_pack_panel__avx512(int64_t kc, const int64_t* tap, const float* x,
                                  const igemm_segment* seg, int64_t nseg, int64_t r, float* dst) {
  chunk_plan cp;
  cp.chunks = static_cast<int>((r + 15) / 16);
  int count[kMaxChunks] = {0, 0, 0, 0};
  for (int c = 0; c < cp.chunks; ++c) {
    const int64_t lanes = r - 16 * c < 16 ? r - 16 * c : 16;
    cp.store[c] = static_cast<__mmask16>((1u << lanes) - 1u);
  }
  for (int64_t i = 0; i < nseg; ++i) {
    const int64_t a = seg[i].lane, b = seg[i].lane + seg[i].len;
    for (int c = static_cast<int>(a / 16); c < cp.chunks && 16 * c < b; ++c) {
      const int64_t lo = a > 16 * c ? a : 16 * c, hi = b < 16 * c + 16 ? b : 16 * c + 16;
      // lane l of the chunk reads s[off + l]: off = seg.off + (16c + l - seg.lane) - l
      cp.off[c][count[c]] = seg[i].off + 16 * c - a;
      cp.mask[c][count[c]] = static_cast<__mmask16>(((1u << (hi - lo)) - 1u) << (lo - 16 * c));
      ++count[c];
    }
  }
  cp.pieces = 1;
  for (int c = 0; c < cp.chunks; ++c) cp.pieces = count[c] > cp.pieces ? count[c] : cp.pieces;
  for (int c = 0; c < cp.chunks; ++c) {
    for (int e = count[c]; e < cp.pieces; ++e) cp.off[c][e] = 0, cp.mask[c][e] = 0;
  }
  if (cp.chunks == 2 && r == 32) {
    if (cp.pieces == 1) return pack_rows<2, 1, 16>(kc, tap, x, cp, r, dst);
    if (cp.pieces == 2) return pack_rows<2, 2, 16>(kc, tap, x, cp, r, dst);
    if (cp.pieces == 3) return pack_rows<2, 3, 16>(kc, tap, x, cp, r, dst);
  } else if (cp.chunks == 1 && r == 16) {  // a short last panel (the 8x16 kernels)
    if (cp.pieces == 1) return pack_rows<1, 1, 16>(kc, tap, x, cp, r, dst);
    if (cp.pieces == 2) return pack_rows<1, 2, 16>(kc, tap, x, cp, r, dst);
  } else if (cp.chunks == 1 && r == 8) {
    if (cp.pieces == 1) return pack_rows<1, 1, 8>(kc, tap, x, cp, r, dst);
    if (cp.pieces == 2) return pack_rows<1, 2, 8>(kc, tap, x, cp, r, dst);
    if (cp.pieces == 3) return pack_rows<1, 3, 8>(kc, tap, x, cp, r, dst);
  }
  pack_rows_any(kc, tap, x, cp, r, dst);
}

void f32_igemm_pad_row__avx512(const float* s, int64_t pl, int64_t w, int64_t rowlen, float* dst) {
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i lo = _mm512_set1_epi32(static_cast<int>(pl));
  const __m512i hi = _mm512_set1_epi32(static_cast<int>(pl + w));
  for (int64_t c = 0; c < rowlen; c += 16) {
    const __m512i col = _mm512_add_epi32(lane, _mm512_set1_epi32(static_cast<int>(c)));
    const __mmask16 in = _mm512_cmpge_epi32_mask(col, lo) & _mm512_cmplt_epi32_mask(col, hi);
    const __mmask16 row = rowlen - c >= 16 ? static_cast<__mmask16>(0xFFFF)
                                           : static_cast<__mmask16>((1u << (rowlen - c)) - 1u);
    if (s != nullptr) {
      _mm512_mask_storeu_ps(dst + c, row, _mm512_maskz_loadu_ps(in, s + c - pl));
    } else {
      _mm512_mask_storeu_ps(dst + c, row & static_cast<__mmask16>(~in), _mm512_setzero_ps());
    }
  }
}

}  // namespace convkit
