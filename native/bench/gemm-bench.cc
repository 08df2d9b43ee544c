// sgemm on the suite.json GEMM workloads (/work/shared/bench/suite.json "gemm"), at 1 thread
// and at every thread, against ceilings measured in the same process (bench/peak.h):
//   ms      median of the timed runs (after one warm-up run)
//   GFLOP/s 2*M*N*K / median seconds
//   %peak   GFLOP/s / measured FMA peak at that thread count (zmm peak for avx512, ymm peak
//           for avx2 and scalar)
// fc_b1 (M=1) is bound by reading B, so it is also given as GB/s = 4*K*N bytes / seconds and
// as a fraction of the measured streaming-read bandwidth, "cold" (L3 flushed before each run,
// the honest memory bound) and "hot" (B left in cache by the previous run); both for
// B [K,N] (nn) and B^T [N,K] (nt, nn.Linear's layout).
// Every result is verified by a residual (C.t against A.(B.t) in double) before it is timed.
//   gemm-bench [--json] [--quick] [--reps N]
// --json prints one JSON object (for bench/ harnesses) instead of the table.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "convkit/gemm.h"
#include "convkit/isa.h"
#include "convkit/parallel.h"
#include "peak.h"
#include "suite-workloads.h"

namespace {

struct shape {
  const char* name;
  int64_t m, n, k;
  bool tb;
};
// suite.json "gemm" (suite-workloads.h), plus the transB form of fc_b1 after it (nn.Linear
// keeps W as [out, in]).
std::vector<shape> suite_shapes() {
  std::vector<shape> v;
  for (const bench::gemm_workload& g : bench::kSuiteGemm) {
    v.push_back({g.name, g.m, g.n, g.k, false});
    if (std::strcmp(g.name, "fc_b1") == 0) v.push_back({"fc_b1_nt", g.m, g.n, g.k, true});
  }
  return v;
}
const std::vector<shape> kSuite = suite_shapes();

struct result {
  double ms = 0, gflops = 0, frac = 0, gbs_cold = 0, frac_bw_cold = 0, gbs_hot = 0, frac_bw_hot = 0;
  bool ok = false;
};

float* alloc(size_t n) {
  float* p = static_cast<float*>(std::aligned_alloc(64, ((n * 4 + 63) / 64) * 64));
  if (!p) std::abort();
  return p;
}

// |C.t - A.(B.t)| within a float-rounding bound, every row.
bool verify(const shape& s, const float* a, const float* b, const float* c) {
  const int64_t m = s.m, n = s.n, k = s.k;
  std::vector<double> t(n), bt(k, 0.0), abst(k, 0.0);
  for (int64_t j = 0; j < n; ++j) t[j] = std::sin(0.37 * j + 1.0);
  for (int64_t p = 0; p < k; ++p) {
    for (int64_t j = 0; j < n; ++j) {
      const double v = s.tb ? b[j * k + p] : b[p * n + j];
      bt[p] += v * t[j];
      abst[p] += std::fabs(v * t[j]);
    }
  }
  for (int64_t i = 0; i < m; ++i) {
    double ct = 0, abt = 0, bound = 0;
    for (int64_t j = 0; j < n; ++j) ct += static_cast<double>(c[i * n + j]) * t[j];
    for (int64_t p = 0; p < k; ++p) {
      abt += a[i * k + p] * bt[p];
      bound += std::fabs(a[i * k + p]) * abst[p];
    }
    const double tol = 4 * 1.1920929e-7 * (std::sqrt((double)k) + std::sqrt((double)n)) * bound + 1e-5;
    if (!(std::fabs(ct - abt) <= tol)) return false;
  }
  return true;
}

result run_shape(const shape& s, int threads, int min_reps, double peak, double bw,
                 std::vector<float>& flush) {
  convkit::set_num_threads(threads);
  float* a = alloc(s.m * s.k);
  float* b = alloc(s.k * s.n);
  float* c = alloc(s.m * s.n);
  for (int64_t i = 0; i < s.m * s.k; ++i) a[i] = static_cast<float>((i * 7 % 13) - 6) / 7.0f;
  for (int64_t i = 0; i < s.k * s.n; ++i) b[i] = static_cast<float>((i * 5 % 11) - 5) / 5.0f;
  auto call = [&] {
    convkit::sgemm(false, s.tb, s.m, s.n, s.k, 1.0f, a, s.k, b, s.tb ? s.k : s.n, 0.0f, c, s.n);
  };
  result r;
  std::fill(c, c + s.m * s.n, std::nanf(""));
  call();
  r.ok = verify(s, a, b, c);
  // Enough runs for ~0.3 s (at least min_reps), median.
  const double t0 = bench::now_s();
  call();
  const double one = std::max(1e-7, bench::now_s() - t0);
  const int reps = std::max(min_reps, std::min(200, static_cast<int>(0.3 / one)));
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    const double t = bench::now_s();
    call();
    times.push_back(bench::now_s() - t);
  }
  const double sec = bench::median(times);
  r.ms = sec * 1e3;
  r.gflops = 2.0 * s.m * s.n * s.k / sec * 1e-9;
  r.frac = r.gflops / peak;
  if (s.m == 1) {
    const double bytes = 4.0 * s.k * s.n;
    r.gbs_hot = bytes / sec * 1e-9;
    r.frac_bw_hot = r.gbs_hot / bw;
    std::vector<double> cold;
    for (int i = 0; i < std::max(min_reps, 9); ++i) {
      for (size_t j = 0; j < flush.size(); j += 16) flush[j] += 1.0f;  // evict B from L3
      const double t = bench::now_s();
      call();
      cold.push_back(bench::now_s() - t);
    }
    r.gbs_cold = bytes / bench::median(cold) * 1e-9;
    r.frac_bw_cold = r.gbs_cold / bw;
  }
  std::free(a);
  std::free(b);
  std::free(c);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false, quick = false;
  int min_reps = 5;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) json = true;
    else if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) min_reps = std::max(1, std::atoi(argv[++i]));
  }
  const int all = convkit::get_num_threads();
  const bool zmm = convkit::active_isa() == convkit::isa::avx512;
  const int tcounts[2] = {1, all};
  const int nt = all > 1 ? 2 : 1;
  double peak[2], bw[2];
  for (int t = 0; t < nt; ++t) {
    peak[t] = bench::fma_peak_gflops(tcounts[t], zmm, quick ? 3 : 7);
    bw[t] = bench::read_bandwidth_gbs(tcounts[t], size_t{1} << (quick ? 28 : 30), quick ? 3 : 5);
  }
  std::vector<float> flush(size_t{64} << 20, 0.0f);  // 256 MB
  std::vector<std::vector<result>> res(nt);
  for (const shape& s : kSuite) {
    for (int t = 0; t < nt; ++t) res[t].push_back(run_shape(s, tcounts[t], min_reps, peak[t], bw[t], flush));
  }
  convkit::set_num_threads(all);
  bool all_ok = true;
  for (int t = 0; t < nt; ++t) for (const result& r : res[t]) all_ok = all_ok && r.ok;
  if (json) {
    std::printf("{\"isa\":\"%s\",\"detected\":\"%s\",\"threads\":[", convkit::isa_name(convkit::active_isa()),
                convkit::isa_name(convkit::detected_isa()));
    for (int t = 0; t < nt; ++t) std::printf("%s%d", t ? "," : "", tcounts[t]);
    std::printf("],\"fma_peak_gflops\":[");
    for (int t = 0; t < nt; ++t) std::printf("%s%.1f", t ? "," : "", peak[t]);
    std::printf("],\"read_bw_gbs\":[");
    for (int t = 0; t < nt; ++t) std::printf("%s%.2f", t ? "," : "", bw[t]);
    std::printf("],\"verified\":%s,\"gemm\":[", all_ok ? "true" : "false");
    for (size_t i = 0; i < kSuite.size(); ++i) {
      const shape& s = kSuite[i];
      std::printf("%s{\"name\":\"%s\",\"M\":%ld,\"N\":%ld,\"K\":%ld,\"transB\":%s,\"runs\":[", i ? "," : "", s.name,
                  (long)s.m, (long)s.n, (long)s.k, s.tb ? "true" : "false");
      for (int t = 0; t < nt; ++t) {
        const result& r = res[t][i];
        std::printf("%s{\"threads\":%d,\"ms\":%.4f,\"gflops\":%.2f,\"frac_peak\":%.3f,\"ok\":%s", t ? "," : "",
                    tcounts[t], r.ms, r.gflops, r.frac, r.ok ? "true" : "false");
        if (s.m == 1) {
          std::printf(",\"gbs_cold\":%.2f,\"frac_bw_cold\":%.3f,\"gbs_hot\":%.2f,\"frac_bw_hot\":%.3f", r.gbs_cold,
                      r.frac_bw_cold, r.gbs_hot, r.frac_bw_hot);
        }
        std::printf("}");
      }
      std::printf("]}");
    }
    std::printf("]}\n");
    return all_ok ? 0 : 1;
  }
  std::printf("gemm-bench: isa %s (detected %s); measured FMA peak %s: 1T %.1f GFLOP/s, %dT %.1f; "
              "read bandwidth 1T %.1f GB/s, %dT %.1f\n",
              convkit::isa_name(convkit::active_isa()), convkit::isa_name(convkit::detected_isa()),
              zmm ? "zmm" : "ymm", peak[0], all, peak[nt - 1], bw[0], all, bw[nt - 1]);
  std::printf("%-9s %5s %5s %5s | %9s %8s %6s | %9s %8s %6s %6s\n", "name", "M", "N", "K", "1T ms", "GFLOP/s",
              "%peak", "2T ms", "GFLOP/s", "%peak", "2T/1T");
  for (size_t i = 0; i < kSuite.size(); ++i) {
    const shape& s = kSuite[i];
    const result& r1 = res[0][i];
    const result& r2 = res[nt - 1][i];
    std::printf("%-9s %5ld %5ld %5ld | %9.3f %8.1f %5.0f%% | %9.3f %8.1f %5.0f%% %5.2fx%s\n", s.name, (long)s.m,
                (long)s.n, (long)s.k, r1.ms, r1.gflops, 100 * r1.frac, r2.ms, r2.gflops, 100 * r2.frac,
                r1.ms / r2.ms, r1.ok && r2.ok ? "" : "  WRONG RESULT");
    if (s.m == 1) {
      std::printf("%-9s   B %.1f MB: cold 1T %.1f GB/s (%.0f%% of bw), %dT %.1f GB/s (%.0f%%); hot 1T %.1f GB/s, "
                  "%dT %.1f GB/s\n",
                  "", 4e-6 * s.k * s.n, r1.gbs_cold, 100 * r1.frac_bw_cold, all, r2.gbs_cold, 100 * r2.frac_bw_cold,
                  r1.gbs_hot, all, r2.gbs_hot);
    }
  }
  return all_ok ? 0 : 1;
}
