// The workloads of shared/bench/suite.json ("conv2d" and "gemm"), for the C++ benchmarks.
// conv2d shapes in NCHW terms (an NHWC run transposes them), square padding.
#pragma once
#include <cstdint>

namespace bench {

struct conv_workload {
  const char* name;
  int64_t n, c, h, w, k, r, s, stride, pad, groups;  // k output channels, r x s filter
};
inline constexpr conv_workload kSuiteConv[] = {
    {"seed", 1, 3, 64, 64, 8, 5, 5, 1, 2, 1},
    {"lenet1", 64, 1, 28, 28, 6, 5, 5, 1, 0, 1},
    {"lenet2", 64, 6, 14, 14, 16, 5, 5, 1, 0, 1},
    {"r50_conv1", 1, 3, 224, 224, 64, 7, 7, 2, 3, 1},
    {"r3x3_56", 1, 64, 56, 56, 64, 3, 3, 1, 1, 1},
    {"r3x3_14", 1, 256, 14, 14, 256, 3, 3, 1, 1, 1},
    {"r1x1_56", 1, 256, 56, 56, 64, 1, 1, 1, 0, 1},
    {"dw3x3_112", 1, 32, 112, 112, 32, 3, 3, 1, 1, 32},
    {"r3x3_56_b8", 8, 64, 56, 56, 64, 3, 3, 1, 1, 1},
};

struct gemm_workload {
  const char* name;
  int64_t m, n, k;
};
inline constexpr gemm_workload kSuiteGemm[] = {
    {"sq128", 128, 128, 128},    {"sq256", 256, 256, 256}, {"sq512", 512, 512, 512},
    {"sq1024", 1024, 1024, 1024}, {"sq2048", 2048, 2048, 2048}, {"fc_b1", 1, 1000, 2048},
    {"fc_b64", 64, 4096, 1024},
};

}  // namespace bench
