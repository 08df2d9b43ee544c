// Binary element-wise ops over a broadcast loop nest: the innermost dim runs a vectorized
// ukernel (vector-vector, vector-scalar or scalar-vector), the outer dims an odometer; large
// outputs split into contiguous ranges over the thread pool.
#include "convkit/elementwise.h"

#include <algorithm>
#include <vector>

#include "configs/elementwise-config.h"
#include "convkit/parallel.h"

namespace convkit {
namespace {

// 256 KB of output per task, as the pools' (pool2d/pool-for.h). Inside a model the operands
// were written by the layer before on both cores, each its own rows: on one thread, the other
// core's half costs 2-3x a local read on this VM (in its slow placement), so splitting the same
// way reads locally. EfficientNet-B0's 16 channel scales (0.4-1.6 MB) at batch 1, 2 threads:
// 0.78 ms at 1 MB a task (one thread), 0.60 at 256 KB (`scripts/onnx-profile.js`, one pair of
// processes); the whole model 7.49 -> 6.76 ms, SqueezeNet 1.1 (its Concats, copy.cc) 3.70 ->
// 3.36 ms (medians of 8 alternating processes). Outside a model (bench --only elementwise: 8
// and 64 MB) nothing changes.
constexpr int64_t kGrain = int64_t{1} << 16;
constexpr int64_t kPeriodMax = 256;     // rows shorter than this take the periodic path
constexpr int64_t kPeriodFloats = 1024;  // floats of the repeated operand (4 KB, on the stack)

}  // namespace

void binary(binary_kind kind, const float* a, const float* b, float* y, int ndim, const int64_t* dims,
            const int64_t* a_strides, const int64_t* b_strides, int64_t size) {
  const int k = static_cast<int>(kind);
  if (k < 0 || k >= kBinaryKinds || size <= 0) return;
  const elementwise_ukernels& t = get_elementwise_config();
  if (ndim == 0) {
    t.binary[k][0](a, b, y, 1);
    return;
  }
  const int64_t n = dims[ndim - 1], sa = a_strides[ndim - 1], sb = b_strides[ndim - 1];
  const int mode = sa == 1 && sb == 1 ? 0 : sa == 1 && sb == 0 ? 1 : sa == 0 && sb == 1 ? 2 : -1;
  const f32_vbinary_fn f = mode >= 0 ? t.binary[k][mode] : t.binary[k][0];
  // Output elements [lo, hi): rows of the innermost dim, possibly partial at both ends.
  auto range = [&](int64_t lo, int64_t hi) {
    // The odometer's digits: on the stack for any usual rank (no allocation per call).
    int64_t small[16] = {};
    std::vector<int64_t> big;
    if (ndim > 16) big.assign(static_cast<size_t>(ndim), 0);
    int64_t* idx = ndim > 16 ? big.data() : small;
    int64_t row = lo / n, col = lo % n, ao = 0, bo = 0;
    for (int d = ndim - 2; d >= 0; --d) {
      idx[d] = row % dims[d];
      row /= dims[d];
      ao += idx[d] * a_strides[d];
      bo += idx[d] * b_strides[d];
    }
    for (int64_t pos = lo; pos < hi;) {
      const int64_t len = std::min(n - col, hi - pos);
      if (mode >= 0) {
        f(a + ao + col * sa, b + bo + col * sb, y + pos, len);
      } else {
        for (int64_t i = 0; i < len; ++i) f(a + ao + (col + i) * sa, b + bo + (col + i) * sb, y + pos + i, 1);
      }
      pos += len;
      col = 0;
      for (int d = ndim - 2; d >= 0; --d) {
        ao += a_strides[d], bo += b_strides[d];
        if (++idx[d] < dims[d]) break;
        ao -= a_strides[d] * dims[d], bo -= b_strides[d] * dims[d];
        idx[d] = 0;
      }
    }
  };
  // Short rows of one operand repeated under contiguous rows of the other ([P, C] * [1, C]: an
  // NHWC channel scale, squeeze-and-excitation's; per image, [N, P, C] * [N, 1, C] at a batch):
  // one call per group of rows against the short operand repeated, instead of a call and a
  // masked tail per row of C (a 32-channel scale over 112 x 112 ran at 36 GB/s; at batch 4
  // EfficientNet's scales took the per-row path until the batch dimension was handled here).
  const int r_dim = ndim - 2;  // the dimension of rows, if there is one
  const bool periodic = ndim >= 2 && mode == 0 && n < kPeriodMax &&
                        ((a_strides[r_dim] == n && b_strides[r_dim] == 0) ||
                         (a_strides[r_dim] == 0 && b_strides[r_dim] == n));
  auto run = [&](int64_t lo, int64_t hi) {
    if (!periodic) return range(lo, hi);
    const bool rep_b = b_strides[r_dim] == 0;
    const int64_t rows = std::max<int64_t>(1, kPeriodFloats / n);
    const int64_t plane = dims[r_dim] * n;  // output elements per index of the outer dims
    float rep[kPeriodFloats + kPeriodMax];
    for (int64_t pos = lo; pos < hi;) {
      // This plane's operands: the outer dims' index decomposed (no outer dims: plane 0).
      int64_t q = pos / plane, ao = 0, bo = 0;
      const int64_t base = q * plane, end = std::min(hi, base + plane);
      for (int d = r_dim - 1; d >= 0; --d) {
        ao += q % dims[d] * a_strides[d];
        bo += q % dims[d] * b_strides[d];
        q /= dims[d];
      }
      const float* src = rep_b ? b + bo : a + ao;  // the repeated row
      for (int64_t r = 0; r < rows; ++r) std::copy(src, src + n, rep + r * n);
      const float* full = rep_b ? a + ao : b + bo;  // the other operand's plane, rows n apart
      const int64_t first = std::min(end, (pos + n - 1) / n * n);  // the first row boundary
      if (pos < first) range(pos, first), pos = first;
      for (; pos + rows * n <= end; pos += rows * n) {
        f(rep_b ? full + (pos - base) : rep, rep_b ? rep : full + (pos - base), y + pos, rows * n);
      }
      if (pos < end) range(pos, end), pos = end;
    }
  };
  if (size >= 2 * kGrain) {
    parallel_for((size + kGrain - 1) / kGrain, [&](int64_t lo, int64_t hi) { run(lo * kGrain, std::min(size, hi * kGrain)); });
  } else {
    run(0, size);
  }
}

}  // namespace convkit
