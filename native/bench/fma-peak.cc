// The machine's ceilings for one core and for all of them: FMA peak (GFLOP/s, zmm and ymm)
// and streaming-read bandwidth from memory (GB/s), plus the clock implied by the peak.
//   fma-peak [--json]   (also the bf16 and int8 dot-product peaks where the CPU has them)
//   fma-peak --copy <bytes> <threads> <evict 0|1>: the copy reference of bench/run.js's
//     memory-bound tables, as JSON: GB/s (read + written) with ordinary and non-temporal stores,
//     and of a write-only fill (ordinary stores).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "peak.h"

int main(int argc, char** argv) {
  if (argc == 5 && std::strcmp(argv[1], "--copy") == 0) {
    const size_t bytes = std::strtoull(argv[2], nullptr, 10);
    const int threads = std::max(1, std::atoi(argv[3]));
    const bool evict = std::atoi(argv[4]) != 0;
    const double plain = bench::copy_bandwidth_gbs(threads, bytes, evict, bench::stream_kind::copy);
    const double nt = bench::copy_bandwidth_gbs(threads, bytes, evict, bench::stream_kind::copy_nt);
    const double fill = bench::copy_bandwidth_gbs(threads, bytes, evict, bench::stream_kind::fill);
    std::printf("{\"bytes\":%zu,\"threads\":%d,\"evict\":%s,\"copy_gbs\":%.2f,\"copy_nt_gbs\":%.2f,\"fill_gbs\":%.2f}\n", bytes,
                threads, evict ? "true" : "false", plain, nt, fill);
    return 0;
  }
  const bool json = argc > 1 && std::strcmp(argv[1], "--json") == 0;
  const int all = std::max(1u, std::thread::hardware_concurrency());
  const double z1 = bench::fma_peak_gflops(1, true), y1 = bench::fma_peak_gflops(1, false);
  const double zn = bench::fma_peak_gflops(all, true);
  const double bw1 = bench::read_bandwidth_gbs(1), bwn = bench::read_bandwidth_gbs(all);
  const double bf1 = bench::dot_peak_gops(1, bench::dot_kind::bf16), i81 = bench::dot_peak_gops(1, bench::dot_kind::int8);
  if (json) {
    std::printf("{\"threads\":%d,\"fma_zmm_1t_gflops\":%.1f,\"fma_ymm_1t_gflops\":%.1f,"
                "\"fma_zmm_all_gflops\":%.1f,\"read_bw_1t_gbs\":%.2f,\"read_bw_all_gbs\":%.2f,"
                "\"bf16_dot_1t_gflops\":%.1f,\"int8_dot_1t_gops\":%.1f}\n",
                all, z1, y1, zn, bw1, bwn, bf1, i81);
    return 0;
  }
  std::printf("FMA peak, 1 thread: zmm %.1f GFLOP/s, ymm %.1f GFLOP/s\n", z1, y1);
  std::printf("FMA peak, %d threads: zmm %.1f GFLOP/s\n", all, zn);
  std::printf("implied: %.2f zmm FMAs/ns per core (2 FMA pipes x 512 bits at f GHz -> f = %.2f GHz if "
              "the pipes are 512 bits wide, %.2f GHz if 256)\n",
              z1 / 32.0, z1 / 64.0, z1 / 32.0);
  std::printf("read bandwidth (1 GiB array): 1 thread %.1f GB/s, %d threads %.1f GB/s\n", bw1, all, bwn);
  std::printf("dot products, 1 thread (0: not on this CPU): bf16 vdpbf16ps %.1f GFLOP/s, int8 vpdpbusd %.1f GOP/s\n", bf1, i81);
  return 0;
}
