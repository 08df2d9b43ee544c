// conv2d forward vs backward (dx; dw + db) on a few training workloads, 1 thread and every
// thread. Each figure is the best of several runs after a warm-up, in ms and GFLOP/s
// (2*N*Cout*OH*OW*Cin_g*KH*KW per pass).
//   conv2d-bench [filter]   runs the workloads whose name contains `filter`
//   conv2d-bench filter fwd  forward only (the backward columns print 0)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iterator>
#include <vector>

#include "convkit/conv2d.h"
#include "convkit/isa.h"
#include "convkit/parallel.h"
#include "suite-workloads.h"

namespace {


double best_ms(const std::function<void()>& fn, int reps) {
  fn();
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : "";
  const bool fwd_only = argc > 2 && std::strcmp(argv[2], "fwd") == 0;
  const int all = convkit::get_num_threads();
  std::printf("conv2d-bench: isa %s, up to %d threads; times in ms (GFLOP/s)\n",
              convkit::isa_name(convkit::active_isa()), all);
  // Two training workloads of their own, then the suite's (r3x3_56_b8, lenet2 = LeNet's conv2
  // at batch 64, ...).
  std::vector<bench::conv_workload> loads = {
      {"r1x1_28_b8", 8, 128, 28, 28, 256, 1, 1, 1, 0, 1},
      {"dw3x3_56_b8", 8, 64, 56, 56, 64, 3, 3, 1, 1, 64},
  };
  loads.insert(loads.end(), std::begin(bench::kSuiteConv), std::end(bench::kSuiteConv));
  std::printf("%-13s %-4s %3s  %16s %16s %16s %16s\n", "workload", "lay", "thr", "forward", "backward dx",
              "backward dw+db", "dx+dw+db");
  for (const bench::conv_workload& l : loads) {
    if (std::strstr(l.name, filter) == nullptr) continue;
    for (int nhwc = 0; nhwc < 2; ++nhwc) {
      const int64_t oh = (l.h + 2 * l.pad - l.r) / l.stride + 1, ow = (l.w + 2 * l.pad - l.s) / l.stride + 1;
      convkit::conv2d_params p{l.n, l.c, l.h, l.w, l.k, oh, ow, l.r, l.s, l.stride, l.stride,
                               l.pad, l.pad, l.pad, l.pad, 1, 1, l.groups,
                               nhwc ? convkit::layout::nhwc : convkit::layout::nchw, false,
                               convkit::activation::none};
      const int64_t cin_g = l.c / l.groups;
      std::vector<float> x(l.n * l.c * l.h * l.w), w(l.k * cin_g * l.r * l.s), y(l.n * l.k * oh * ow);
      std::vector<float> dx(x.size()), dw(w.size()), db(l.k);
      for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7 % 13) - 6) / 7.0f;
      for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>((i * 5 % 11) - 5) / 5.0f;
      for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<float>((i * 3 % 7) - 3) / 3.0f;
      const double gf = 2.0 * l.n * l.k * oh * ow * cin_g * l.r * l.s * 1e-9;
      const int reps = gf > 1.0 ? 10 : 30;
      for (int threads : {1, all}) {
        convkit::set_num_threads(threads);
        const double f = best_ms([&] { convkit::conv2d(p, x.data(), w.data(), nullptr, y.data()); }, reps);
        const double d = fwd_only ? 0.0 : best_ms([&] { convkit::conv2d_backward_data(p, y.data(), w.data(), dx.data()); }, reps);
        const double g = fwd_only ? 0.0 : best_ms([&] { convkit::conv2d_backward_filter(p, y.data(), x.data(), dw.data(), db.data()); }, reps);
        std::printf("%-13s %-4s %3d  %7.2f (%6.1f) %7.2f (%6.1f) %7.2f (%6.1f) %7.2f (%6.1f)\n", l.name,
                    nhwc ? "nhwc" : "nchw", threads, f, gf / f * 1e3, d, gf / d * 1e3, g, gf / g * 1e3, d + g,
                    2 * gf / (d + g) * 1e3);
        if (all == 1) break;
      }
      convkit::set_num_threads(all);
    }
  }
  return 0;
}
