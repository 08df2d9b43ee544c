// GFLOP/s of sgemm for a few sizes, single-threaded and with every thread. Each figure is
// the best of several runs after a warm-up: 2*M*N*K / seconds.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "convkit/gemm.h"
#include "convkit/isa.h"
#include "convkit/parallel.h"

static double gflops(int64_t m, int64_t n, int64_t k, bool ta, bool tb, int reps) {
  std::vector<float> a(m * k), b(k * n), c(m * n);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>((i * 7 % 13) - 6) / 7.0f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>((i * 5 % 11) - 5) / 5.0f;
  auto run = [&] {
    convkit::sgemm(ta, tb, m, n, k, 1.0f, a.data(), ta ? m : k, b.data(), tb ? k : n, 0.0f, c.data(), n);
  };
  run();
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, s);
  }
  return 2.0 * m * n * k / best * 1e-9;
}

int main(int argc, char** argv) {
  const int all = convkit::get_num_threads();
  std::printf("gemm-bench: isa %s (detected %s), up to %d threads\n", convkit::isa_name(convkit::active_isa()),
              convkit::isa_name(convkit::detected_isa()), all);
  const int64_t sizes[][3] = {{64, 64, 64}, {256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024},
                              {2048, 2048, 2048}, {64, 3136, 576}, {1, 1000, 2048}};
  std::printf("%6s %6s %6s  %12s %12s\n", "M", "N", "K", "1 thread", "all threads");
  for (const auto& s : sizes) {
    const int reps = s[0] * s[1] * s[2] > (int64_t{1} << 30) ? 3 : 10;
    convkit::set_num_threads(1);
    const double one = gflops(s[0], s[1], s[2], false, false, reps);
    convkit::set_num_threads(all);
    const double many = gflops(s[0], s[1], s[2], false, false, reps);
    std::printf("%6ld %6ld %6ld  %9.1f GF %9.1f GF\n", (long)s[0], (long)s[1], (long)s[2], one, many);
  }
  convkit::set_num_threads(1);
  std::printf("1024^3 transposes, 1 thread: NT %.1f  TN %.1f  TT %.1f GFLOP/s\n",
              gflops(1024, 1024, 1024, false, true, 5), gflops(1024, 1024, 1024, true, false, 5),
              gflops(1024, 1024, 1024, true, true, 5));
  (void)argc;
  (void)argv;
  return 0;
}
