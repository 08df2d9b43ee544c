// Max pooling backward for any window up to 64 taps, stride_w up to 16, AVX-512F (contracts
// in pool2d/ukernel/ukernels.h): each dx cell sums the dy of the windows whose first maximum
// it is (scan order, NaN wins), in output scan order like max_pool2d_backward_ref.
// Compiled with the AVX-512 flags; intrinsics and plain loops only.
#include "util/x86-intrinsics.h"

#include <algorithm>
#include <cstdint>

#include "pool2d/ukernel/pool-avx512-common.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {
namespace {

// Taps of the general max backward: windows up to kMaxTaps cells, stride_w up to 16.
constexpr int64_t kMaxTaps = 64;

// NCHW contribution buffers: one row per tap of ML + OW + MR floats, zero outside [0, OW).
void maxbwd_margins(const pool2d_params& p, int64_t* ml, int64_t* row) {
  const int64_t sw = p.stride_w, span = (p.kernel_w - 1) * p.dilation_w;
  *ml = ((span + sw - 1) / sw + 1 + 15) / 16 * 16;
  const int64_t mr = std::max<int64_t>(0, (p.in_width + p.pad_left + 15) / sw + 16 - p.out_width) + 16;
  *row = (*ml + p.out_width + mr + 15) / 16 * 16;
}

// Lanes [lo, hi) of the 16-lane block starting at ow0.
inline __mmask16 lanes(int64_t ow0, int64_t lo, int64_t hi) {
  return static_cast<__mmask16>(tail_mask(hi - ow0) & ~tail_mask(lo - ow0));
}

}  // namespace

namespace {

// One interior block of 16 output columns (every tap of every window inside the input),
// NR window rows, kernel_w KW, stride_w SW (1 or 2), dilation_w 1: the winners of
// f32_maxpool_backward_nchw_plane__avx512's phase (1), with the taps in registers.
// x: the NR rows at column ow0 * SW - pad_left; cb: the first tap row's cbuf at ow0.
template <int NR, int KW, int SW>
inline void maxbwd_block(const float* const* x, const __m512 g, float* cb, int64_t rowlen) {
  __m512 v[NR][KW];
  const __m512i even = even_lanes();
  for (int r = 0; r < NR; ++r) {
    for (int kw = 0; kw < KW; ++kw) {
      if (SW == 1) {
        v[r][kw] = _mm512_loadu_ps(x[r] + kw);
      } else {
        // Lanes 0..14 of the upper half suffice (even columns up to 30).
        v[r][kw] = _mm512_permutex2var_ps(_mm512_loadu_ps(x[r] + kw), even,
                                          _mm512_maskz_loadu_ps(0x7FFF, x[r] + kw + 16));
      }
    }
  }
  __m512 rowmax[NR];
  __mmask16 nanm = 0;
  for (int r = 0; r < NR; ++r) {
    rowmax[r] = v[r][0];
    for (int kw = 1; kw < KW; ++kw) rowmax[r] = _mm512_max_ps(rowmax[r], v[r][kw]);
    for (int kw = 0; kw < KW; ++kw) nanm |= _mm512_cmp_ps_mask(v[r][kw], v[r][kw], _CMP_UNORD_Q);
  }
  __m512 M = rowmax[0];
  for (int r = 1; r < NR; ++r) M = _mm512_max_ps(M, rowmax[r]);
  __mmask16 found = 0;
  if (nanm == 0) {
    for (int r = 0; r < NR; ++r) {
      for (int kw = 0; kw < KW; ++kw) {
        const __mmask16 hit = _mm512_cmp_ps_mask(v[r][kw], M, _CMP_EQ_OQ);
        _mm512_storeu_ps(cb + (r * KW + kw) * rowlen, _mm512_maskz_mov_ps(hit & ~found, g));
        found |= hit;
      }
    }
  } else {
    for (int r = 0; r < NR; ++r) {
      for (int kw = 0; kw < KW; ++kw) {
        const __mmask16 hit = _mm512_mask_cmp_ps_mask(static_cast<__mmask16>(~nanm), v[r][kw], M, _CMP_EQ_OQ) |
                              _mm512_cmp_ps_mask(v[r][kw], v[r][kw], _CMP_UNORD_Q);
        _mm512_storeu_ps(cb + (r * KW + kw) * rowlen, _mm512_maskz_mov_ps(hit & ~found, g));
        found |= hit;
      }
    }
  }
}

template <int KW, int SW>
inline void maxbwd_block_rows(int nr, const float* const* x, const __m512 g, float* cb, int64_t rowlen) {
  switch (nr) {
    case 1: return maxbwd_block<1, KW, SW>(x, g, cb, rowlen);
    case 2: return maxbwd_block<2, KW, SW>(x, g, cb, rowlen);
    case 3: return maxbwd_block<3, KW, SW>(x, g, cb, rowlen);
    default: return maxbwd_block<4, KW, SW>(x, g, cb, rowlen);
  }
}

}  // namespace

bool f32_maxpool_backward_supported__avx512(const pool2d_params& p) {
  return p.kernel_h * p.kernel_w <= kMaxTaps && p.stride_w <= 16 && p.stride_w >= 1 && p.stride_h >= 1;
}

int64_t f32_maxpool_backward_scratch__avx512(const pool2d_params& p) {
  int64_t ml, row;
  maxbwd_margins(p, &ml, &row);
  return 2 * p.kernel_h * p.kernel_w * row + 16;
}

// One plane. Per output row oh: (1) vectorized over 16 output columns, the winning tap of
// each window (scan order, first maximum, NaN wins), and per tap t the row
// cbuf[t][ow] = dy[oh, ow] where t won, else 0; (2) per window row kh, every dx block of
// input row ih adds the taps kw = KW-1 .. 0 (output columns ascending, the reference's order),
// each a masked lane permute of one cbuf load (a plain load at stride 1). dx rows are zeroed
// when the first window reaches them, so every cell sums its windows in output scan order.
void f32_maxpool_backward_nchw_plane__avx512(const pool2d_params& p, const float* dyc, const float* xc,
                                             float* dxc, float* scratch) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width, KH = p.kernel_h,
                KW = p.kernel_w, sh = p.stride_h, sw = p.stride_w, dh = p.dilation_h, dw = p.dilation_w,
                pt = p.pad_top, pl = p.pad_left;
  int64_t ml, rowlen;
  maxbwd_margins(p, &ml, &rowlen);
  for (int64_t t = 0; t < 2 * KH * KW; ++t) {
    float* row = scratch + t * rowlen;
    std::fill(row, row + ml, 0.0f);
    std::fill(row + ml + OW, row + rowlen, 0.0f);
  }
  // Valid output columns of tap kw: [va[kw], vb[kw]).
  int64_t va[kMaxTaps], vb[kMaxTaps];
  for (int64_t kw = 0; kw < KW; ++kw) {
    const int64_t off = kw * dw - pl;
    const int64_t first = off >= 0 ? 0 : (-off + sw - 1) / sw;
    const int64_t last = W - 1 - off < 0 ? 0 : (W - 1 - off) / sw + 1;
    va[kw] = std::min(first, OW);
    vb[kw] = std::clamp(last, va[kw], OW);
  }
  // Phase 2 permutes: residue r = (iw + pl - kw*dw) mod sw of lane 0; lane i takes cbuf
  // element (r + i) / sw where (r + i) % sw == 0.
  __m512i pidx[16];
  __mmask16 pmask[16];
  for (int64_t r = 0; r < sw; ++r) {
    alignas(64) int32_t idx[16];
    unsigned m = 0;
    for (int i = 0; i < 16; ++i) {
      idx[i] = static_cast<int32_t>((r + i) / sw);
      if ((r + i) % sw == 0) m |= 1u << i;
    }
    pidx[r] = _mm512_load_si512(idx);
    pmask[r] = static_cast<__mmask16>(m);
  }
  // cbuf element and residue of dx block 0, tap kw: q = pl - kw*dw = base0*sw + res0; each
  // next block adds 16 = b16*sw + r16.
  int64_t base0[kMaxTaps], res0[kMaxTaps];
  for (int64_t kw = 0; kw < KW; ++kw) {
    const int64_t q = pl - kw * dw;
    base0[kw] = q >= 0 ? q / sw : -((-q + sw - 1) / sw);
    res0[kw] = q - base0[kw] * sw;
  }
  const int64_t b16 = 16 / sw, r16 = 16 % sw;
  // The register path: kernel_w 2 or 3, stride_w 1 or 2, dilation_w 1; interior blocks
  // start at or after fast_lo and end by fast_hi.
  const int64_t fast_kw = (KW == 2 || KW == 3) && (sw == 1 || sw == 2) && dw == 1 ? KW : 0;
  int64_t fast_lo = 0, fast_hi = OW;
  for (int64_t kw = 0; kw < KW; ++kw) {
    fast_lo = std::max(fast_lo, va[kw]);
    fast_hi = std::min(fast_hi, vb[kw]);
  }
  const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  const __m512i even = even_lanes();
  const __m512 lo_inf = ninf();
  __m512 vv[kMaxTaps];
  __mmask16 vm[kMaxTaps];
  // Phase (2) of row oh runs after phase (1) of row oh + 1 (cbuf double-buffered), so its
  // unaligned cbuf loads never wait on stores still in flight.
  auto winners = [&](int64_t oh, float* cbuf) {
    const int64_t top = oh * sh - pt;
      // (1) winners: M = the lanes' maximum (max_ps; the NaN lanes are found apart), then the
      // first tap equal to M (the first NaN tap in a lane holding a NaN) takes dy.
      const float* g_row = dyc + oh * OW;
      const int64_t kh_lo = top >= 0 ? 0 : (-top + dh - 1) / dh;
      const int64_t kh_hi = std::min(KH, top >= H ? 0 : (H - 1 - top) / dh + 1);
      if (kh_lo >= kh_hi) return;
      const int64_t t_lo = kh_lo * KW, t_hi = kh_hi * KW;
      // Interior blocks, [fast_lo, fast_hi) with every tap valid: the register path.
      const int nrows = static_cast<int>(kh_hi - kh_lo);
      const bool fast = fast_kw != 0 && nrows <= 4;
      const float* xb[4];
      for (int r = 0; r < nrows && r < 4; ++r) xb[r] = xc + (top + (kh_lo + r) * dh) * W - pl;
      for (int64_t ow0 = 0; ow0 < OW; ow0 += 16) {
        if (fast && ow0 >= fast_lo && ow0 + 16 <= fast_hi) {
          const float* xo[4];
          for (int r = 0; r < nrows; ++r) xo[r] = xb[r] + ow0 * sw;
          const __m512 g = _mm512_loadu_ps(g_row + ow0);
          float* cb = cbuf + ml + ow0 + t_lo * rowlen;
          if (fast_kw == 3) {
            if (sw == 1) maxbwd_block_rows<3, 1>(nrows, xo, g, cb, rowlen);
            else maxbwd_block_rows<3, 2>(nrows, xo, g, cb, rowlen);
          } else {
            if (sw == 1) maxbwd_block_rows<2, 1>(nrows, xo, g, cb, rowlen);
            else maxbwd_block_rows<2, 2>(nrows, xo, g, cb, rowlen);
          }
          continue;
        }
        __m512 M = lo_inf;
        __mmask16 nanm = 0;
        for (int64_t kh = kh_lo; kh < kh_hi; ++kh) {
          const float* xr = xc + (top + kh * dh) * W;
          for (int64_t kw = 0; kw < KW; ++kw) {
            const int64_t t = kh * KW + kw;
            const __mmask16 m = lanes(ow0, va[kw], vb[kw]);
            vm[t] = m;
            if (m == 0) continue;
            const int64_t c = ow0 * sw + kw * dw - pl;
            __m512 v;
            if (sw == 1) {
              v = _mm512_mask_loadu_ps(lo_inf, m, xr + c);
            } else if (sw == 2) {
              if (c >= 0 && c + 32 <= W) {
                v = _mm512_permutex2var_ps(_mm512_loadu_ps(xr + c), even, _mm512_loadu_ps(xr + c + 16));
              } else {
                const __mmask16 m0 = inside(c, W), m1 = inside(c + 16, W);
                v = _mm512_permutex2var_ps(_mm512_mask_loadu_ps(lo_inf, m0, xr + c), even,
                                           _mm512_mask_loadu_ps(lo_inf, m1, xr + c + 16));
              }
              v = _mm512_mask_mov_ps(lo_inf, m, v);
            } else {
              const __m512i gi = _mm512_add_epi32(_mm512_mullo_epi32(lane, _mm512_set1_epi32(static_cast<int32_t>(sw))),
                                                  _mm512_set1_epi32(static_cast<int32_t>(c)));
              v = _mm512_mask_i32gather_ps(lo_inf, m, gi, xr, 4);
            }
            vv[t] = v;
            M = _mm512_max_ps(M, v);
            nanm |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
          }
        }
        const __mmask16 mo = tail_mask(OW - ow0);
        const __m512 g = _mm512_maskz_loadu_ps(mo, g_row + ow0);
        __mmask16 found = 0;
        float* cb = cbuf + ml + ow0;
        if (nanm == 0) {
          for (int64_t t = t_lo; t < t_hi; ++t) {
            const __mmask16 hit = vm[t] ? _mm512_mask_cmp_ps_mask(vm[t], vv[t], M, _CMP_EQ_OQ) : 0;
            _mm512_mask_storeu_ps(cb + t * rowlen, mo, _mm512_maskz_mov_ps(hit & ~found, g));
            found |= hit;
          }
        } else {
          for (int64_t t = t_lo; t < t_hi; ++t) {
            __mmask16 hit = 0;
            if (vm[t]) {
              hit = _mm512_mask_cmp_ps_mask(vm[t] & ~nanm, vv[t], M, _CMP_EQ_OQ) |
                    _mm512_mask_cmp_ps_mask(vm[t], vv[t], vv[t], _CMP_UNORD_Q);
            }
            _mm512_mask_storeu_ps(cb + t * rowlen, mo, _mm512_maskz_mov_ps(hit & ~found, g));
            found |= hit;
          }
        }
      }
  };
  auto accumulate = [&](int64_t oh, const float* cbuf) {
    const int64_t top = oh * sh - pt;
      // (2) accumulate into the dx rows.
      for (int64_t kh = 0; kh < KH; ++kh) {
        const int64_t ih = top + kh * dh;
        if (ih < 0 || ih >= H) continue;
        float* dxrow = dxc + ih * W;
        const float* cb = cbuf + kh * KW * rowlen + ml;
        if (sw == 1) {
          for (int64_t iw0 = 0; iw0 < W; iw0 += 16) {
            const __mmask16 m = tail_mask(W - iw0);
            __m512 acc = _mm512_maskz_loadu_ps(m, dxrow + iw0);
            for (int64_t kw = KW - 1; kw >= 0; --kw) acc = _mm512_add_ps(acc, _mm512_loadu_ps(cb + kw * rowlen + iw0 + pl - kw * dw));
            _mm512_mask_storeu_ps(dxrow + iw0, m, acc);
          }
          continue;
        }
        int64_t base[kMaxTaps], res[kMaxTaps];
        std::copy(base0, base0 + KW, base);
        std::copy(res0, res0 + KW, res);
        for (int64_t iw0 = 0; iw0 < W; iw0 += 16) {
          const __mmask16 m = tail_mask(W - iw0);
          __m512 acc = _mm512_maskz_loadu_ps(m, dxrow + iw0);
          for (int64_t kw = KW - 1; kw >= 0; --kw) {
            const int64_t r = res[kw];
            acc = _mm512_add_ps(acc, _mm512_maskz_permutexvar_ps(pmask[r], pidx[r], _mm512_loadu_ps(cb + kw * rowlen + base[kw])));
            res[kw] = r + r16 >= sw ? r + r16 - sw : r + r16;
            base[kw] += b16 + (r + r16 >= sw ? 1 : 0);
          }
          _mm512_mask_storeu_ps(dxrow + iw0, m, acc);
        }
      }
  };
  const int64_t set = KH * KW * rowlen;
  int64_t zeroed = 0;  // dx rows [0, zeroed) are zeroed or done
  for (int64_t oh = 0; oh <= OH; ++oh) {
    if (oh < OH) {
      const int64_t last = std::min(H - 1, oh * sh - pt + (KH - 1) * dh);
      for (; zeroed <= last; ++zeroed) std::fill(dxc + zeroed * W, dxc + (zeroed + 1) * W, 0.0f);
      winners(oh, scratch + (oh & 1) * set);
    }
    if (oh > 0) accumulate(oh - 1, scratch + ((oh - 1) & 1) * set);
  }
  if (zeroed < H) std::fill(dxc + zeroed * W, dxc + H * W, 0.0f);
}

// Channels [c0, c0 + nc) of one image, nc <= 64: per output pixel in scan order, per 16
// channels, the winning tap (first maximum, NaN wins), then each valid tap's dx vector adds
// dy where it won (0 elsewhere). dx rows are zeroed when the first window reaches them.
void f32_maxpool_backward_nhwc__avx512(const pool2d_params& p, const float* dy_n, const float* x_n, int64_t c0,
                                       int64_t nc, float* dx_n) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width,
                KH = p.kernel_h, KW = p.kernel_w, dh = p.dilation_h, dw = p.dilation_w;
  const int nv = static_cast<int>((nc + 15) / 16);
  __mmask16 m[4];
  for (int v = 0; v < 4; ++v) m[v] = tail_mask(nc - 16 * v);
  auto zero_rows = [&](int64_t a, int64_t b) {
    if (nc == C) return std::fill(dx_n + a * W * C, dx_n + b * W * C, 0.0f);
    for (int64_t i = a * W; i < b * W; ++i) std::fill_n(dx_n + i * C + c0, nc, 0.0f);
  };
  int64_t q[kMaxTaps];
  int64_t zeroed = 0;
  for (int64_t oh = 0; oh < OH; ++oh) {
    const int64_t top = oh * p.stride_h - p.pad_top;
    const int64_t last = std::min(H - 1, top + (KH - 1) * dh);
    for (; zeroed <= last; ++zeroed) zero_rows(zeroed, zeroed + 1);
    for (int64_t ow = 0; ow < OW; ++ow) {
      int nt = 0;
      for (int64_t kh = 0; kh < KH; ++kh) {
        const int64_t ih = top + kh * dh;
        if (ih < 0 || ih >= H) continue;
        for (int64_t kw = 0; kw < KW; ++kw) {
          const int64_t iw = ow * p.stride_w - p.pad_left + kw * dw;
          if (iw < 0 || iw >= W) continue;
          q[nt++] = (ih * W + iw) * C + c0;
        }
      }
      if (nt == 0) continue;
      const float* g = dy_n + (oh * OW + ow) * C + c0;
      for (int v = 0; v < nv; ++v) {
        const int64_t cv = 16 * v;
        __m512 xv[kMaxTaps];
        __m512 M = _mm512_maskz_loadu_ps(m[v], x_n + q[0] + cv);
        xv[0] = M;
        __mmask16 nanm = _mm512_cmp_ps_mask(M, M, _CMP_UNORD_Q);
        for (int k = 1; k < nt; ++k) {
          xv[k] = _mm512_maskz_loadu_ps(m[v], x_n + q[k] + cv);
          M = _mm512_max_ps(M, xv[k]);
          nanm |= _mm512_cmp_ps_mask(xv[k], xv[k], _CMP_UNORD_Q);
        }
        const __m512 gv = _mm512_maskz_loadu_ps(m[v], g + cv);
        __mmask16 found = 0;
        for (int k = 0; k < nt; ++k) {
          const __mmask16 hit = nanm == 0 ? _mm512_cmp_ps_mask(xv[k], M, _CMP_EQ_OQ)
                                          : (_mm512_mask_cmp_ps_mask(static_cast<__mmask16>(~nanm), xv[k], M, _CMP_EQ_OQ) |
                                             _mm512_cmp_ps_mask(xv[k], xv[k], _CMP_UNORD_Q));
          float* d = dx_n + q[k] + cv;
          _mm512_mask_storeu_ps(d, m[v], _mm512_add_ps(_mm512_maskz_loadu_ps(m[v], d), _mm512_maskz_mov_ps(hit & ~found, gv)));
          found |= hit;
        }
      }
    }
  }
  if (zeroed < H) zero_rows(zeroed, H);
}

}  // namespace convkit
