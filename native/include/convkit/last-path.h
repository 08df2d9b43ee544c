// Test aid: the path the last call of each op family took, set by the drivers at their
// dispatch points (one relaxed atomic store per call). The conformance and parity tests read
// it (addon `_lastPath`, not part of the package's API) to check that every algorithm and
// kernel kind is reached, and that a forced CONVKIT_ISA level is the one that runs.
// With calls on several threads at once "last" is any one of them; the tests call serially.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace convkit {

// conv2d forward (conv2d.cc): the reference loops for absurd padding/stride/dilation, Winograd
// F(2x2, 3x3), the direct small-Cin kernel, implicit GEMM, 1x1 GEMM, depthwise; the 1x1
// GEMM on prepacked weights (conv2d_packed); the bf16 GEMM (conv2d_bf16); the int8 GEMM
// (conv2d_int8).
enum class conv_path : uint8_t { none, ref, winograd, direct, igemm, pointwise, depthwise, pointwise_prepacked, bf16_gemm, int8_gemm };

// Pooling (pool2d.cc), forward and backward: the kernel kind the driver chose.
//   clamped          windows far larger than the input (the clamped reference loops)
//   nchw, nhwc       the portable loops
//   nchw_avx512,     the AVX-512 plane (NCHW) / row (NHWC) kernels; which of their
//   nhwc_avx512      variants runs (stride 1, 2x2/2, general) follows the geometry
//   max_backward_2x2s2_{nchw,nhwc}_avx512  the max backward for windows that tile the input
//   global_{nchw,nhwc}[_avx512]            global average / max pooling
enum class pool_path : uint8_t {
  none, clamped, nchw, nhwc, nchw_avx512, nhwc_avx512,
  max_backward_2x2s2_nchw_avx512, max_backward_2x2s2_nhwc_avx512,
  global_nchw, global_nhwc, global_nchw_avx512, global_nhwc_avx512,
};

// conv2d backward passes (conv2d-backward-data.cc, conv2d-backward-filter.cc):
//   ref         absurd padding/stride/dilation: the reference loops
//   as_forward  dx as a forward conv of dy with the flipped, channel-swapped weights (stride 1)
//   depthwise   dwconv.cc's direct loops
//   gemm        GEMMs over im2col / col2im (dx), or per image (dw)
//   packed      dw from packed dy and x panels on the GEMM micro-kernel, db fused
//   packed_in_place  the same with x read in place from the padded image (the config's tile)
//   direct      dw of stride-1 NCHW layers with few channels: dy rows against shifted input planes
//   winograd    dw of 3x3 stride-1 layers by Winograd F(2x2, 3x3): 16 GEMMs over transformed tiles
enum class conv_backward_path : uint8_t { none, ref, as_forward, depthwise, gemm, packed, packed_in_place, direct, winograd };

// Which variant an AVX-512 pool forward kernel ran (the last plane / row it did), inside the
// kinds above: NCHW 2-wide windows at stride 2 folded in registers (max), stride-1 rows fused
// in registers, the separable row-buffer kernel; NHWC separable row buffer or direct windows.
enum class pool_variant : uint8_t { none, nchw_k2s2, nchw_s1_fused, nchw_rowbuf, nhwc_separable, nhwc_direct, nchw_k3s2 };

namespace detail {
inline std::atomic<conv_path> last_conv_path{conv_path::none};
inline std::atomic<pool_path> last_pool_path{pool_path::none};
inline std::atomic<pool_variant> last_pool_variant{pool_variant::none};
inline std::atomic<conv_backward_path> last_conv_dx_path{conv_backward_path::none};
inline std::atomic<conv_backward_path> last_conv_dw_path{conv_backward_path::none};

// Stores v only when it differs: kernels note their variant per plane or row from every thread,
// and a store each time would bounce the line between cores (a read of a shared line does not).
template <class E>
inline void note(std::atomic<E>& last, E v) {
  if (last.load(std::memory_order_relaxed) != v) last.store(v, std::memory_order_relaxed);
}

// names[v] for a value v of an enum whose values run 0 (none), 1, ...; "none" past the end.
template <class E, std::size_t N>
inline const char* name_in(E v, const char* const (&names)[N]) {
  const auto i = static_cast<std::size_t>(v);
  return i < N ? names[i] : "none";
}
}  // namespace detail

inline void note_conv_dx_path(conv_backward_path p) { detail::note(detail::last_conv_dx_path, p); }
inline void note_conv_dw_path(conv_backward_path p) { detail::note(detail::last_conv_dw_path, p); }
inline conv_backward_path take_last_conv_dx_path() { return detail::last_conv_dx_path.exchange(conv_backward_path::none, std::memory_order_relaxed); }
inline conv_backward_path take_last_conv_dw_path() { return detail::last_conv_dw_path.exchange(conv_backward_path::none, std::memory_order_relaxed); }
inline const char* path_name(conv_backward_path p) {
  static constexpr const char* kNames[] = {"none", "ref", "as-forward", "depthwise", "gemm", "packed", "packed-in-place", "direct", "winograd"};
  return detail::name_in(p, kNames);
}

inline void note_pool_variant(pool_variant v) { detail::note(detail::last_pool_variant, v); }
inline pool_variant take_last_pool_variant() { return detail::last_pool_variant.exchange(pool_variant::none, std::memory_order_relaxed); }
inline const char* path_name(pool_variant v) {
  static constexpr const char* kNames[] = {"none", "nchw-k2s2", "nchw-s1-fused", "nchw-rowbuf", "nhwc-separable", "nhwc-direct", "nchw-k3s2"};
  return detail::name_in(v, kNames);
}

inline void note_conv_path(conv_path p) { detail::note(detail::last_conv_path, p); }
inline void note_pool_path(pool_path p) { detail::note(detail::last_pool_path, p); }
inline conv_path last_conv_path() { return detail::last_conv_path.load(std::memory_order_relaxed); }
inline pool_path last_pool_path() { return detail::last_pool_path.load(std::memory_order_relaxed); }
// Read and reset to none, so a test sees only the path of the call it just made.
inline conv_path take_last_conv_path() { return detail::last_conv_path.exchange(conv_path::none, std::memory_order_relaxed); }
inline pool_path take_last_pool_path() { return detail::last_pool_path.exchange(pool_path::none, std::memory_order_relaxed); }

inline const char* path_name(conv_path p) {
  static constexpr const char* kNames[] = {"none", "ref", "winograd", "direct", "igemm", "pointwise", "depthwise", "pointwise-prepacked", "bf16-gemm", "int8-gemm"};
  return detail::name_in(p, kNames);
}

inline const char* path_name(pool_path p) {
  static constexpr const char* kNames[] = {
      "none", "clamped", "nchw", "nhwc", "nchw-avx512", "nhwc-avx512", "max-backward-2x2s2-nchw-avx512",
      "max-backward-2x2s2-nhwc-avx512", "global-nchw", "global-nhwc", "global-nchw-avx512", "global-nhwc-avx512"};
  return detail::name_in(p, kNames);
}

}  // namespace convkit
