// The gemm family's config. Picks the GEMM kernels for the active ISA and sizes the blocks from the caches (the BLIS
// analytic rules, Low et al. 2016): the B micro-panel kc x nr takes about half of L1d, the
// packed A block mc x kc about a quarter of L2, the packed B block kc x nc a share of L3.
#include "configs/gemm-config.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "configs/tuning.h"
#include "gemm/ukernel/ukernels.h"
#include "gemm/ukernel/ukernels-neon.h"  // AArch64 only

namespace convkit {
namespace {

// "48K", "1024K", "32M" or plain bytes, as /sys writes them.
int64_t parse_size(const std::string& s) {
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (v <= 0) return 0;
  if (end && (*end == 'K' || *end == 'k')) return v * 1024;
  if (end && (*end == 'M' || *end == 'm')) return v * 1024 * 1024;
  return v;
}

std::string read_line(const std::string& path) {
  std::string out;
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    char buf[64];
    if (std::fgets(buf, sizeof buf, f)) out = buf;
    std::fclose(f);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

int64_t sys_cache(int level, bool data) {
  for (int idx = 0; idx < 8; ++idx) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(idx) + "/";
    const std::string lv = read_line(dir + "level");
    if (lv.empty()) break;
    const std::string type = read_line(dir + "type");
    if (std::atoi(lv.c_str()) == level && (data ? type != "Instruction" : true)) {
      return parse_size(read_line(dir + "size"));
    }
  }
  return 0;
}

int64_t round_down(int64_t v, int64_t to) { return std::max(to, v / to * to); }

gemm_plan make_plan() {
  gemm_plan p{};
  switch (active_isa()) {
#if defined(__x86_64__) || defined(_M_X64)
    case isa::avx512:
      p.ukernel = f32_gemm_ukernel_8x32__avx512, p.mr = 8, p.nr = 32;
      p.ukernel_rows = f32_gemm_ukernel_8x32_rows__avx512;
      p.ukernel_cols = f32_gemm_ukernel_8x32_cols__avx512;
      p.ukernel_edge = f32_gemm_ukernel_8x32_edge__avx512;
      p.ukernel_finish = f32_gemm_ukernel_8x32_finish__avx512;
      p.gemv_nn = f32_gemv_ukernel_nn__avx512, p.gemv_nt = f32_gemv_ukernel_nt__avx512;
      p.pack_t8 = f32_pack_t8_ukernel__avx512;
      break;
    case isa::avx2:
      p.ukernel = f32_gemm_ukernel_6x16__avx2, p.mr = 6, p.nr = 16;
      p.ukernel_rows = f32_gemm_ukernel_6x16_rows__avx2;
      p.ukernel_cols = f32_gemm_ukernel_6x16_cols__avx2;
      p.gemv_nn = f32_gemv_ukernel_nn__avx2, p.gemv_nt = f32_gemv_ukernel_nt__avx2;
      p.pack_t8 = f32_pack_t8_ukernel__avx2;
      break;
#endif
#if defined(__aarch64__)  // NEON: 8x12 tile (24 of the 32 vector registers accumulate)
    case isa::neon:
      p.ukernel = f32_gemm_ukernel_8x12__neon, p.mr = 8, p.nr = 12;
      p.gemv_nn = f32_gemv_ukernel_nn__neon, p.gemv_nt = f32_gemv_ukernel_nt__neon;
      break;
#endif
    default:
      p.ukernel = f32_gemm_ukernel_4x8__scalar, p.mr = 4, p.nr = 8;
      p.gemv_nn = f32_gemv_ukernel_nn__scalar, p.gemv_nt = f32_gemv_ukernel_nt__scalar;
      break;
  }
  p.caches = detect_cache_sizes();
  // The B micro-panel (kc x nr) plus one A micro-panel stay in L1d.
  p.kc = std::clamp<int64_t>(round_down(p.caches.l1d / 2 / (4 * p.nr), 16) * 4 / 3, 128, 512);
  p.kc = round_down(p.kc, 16);
  // The packed A block (mc x kc) takes about a quarter of L2, the rest streams B and C
  // (1 MiB L2, kc 256: mc 256; 192..512 measured within noise of each other on Zen 5).
  p.mc = std::clamp<int64_t>(round_down(p.caches.l2 / 4 / (4 * p.kc), p.mr), p.mr, 1024);
  // The packed B block (kc x nc), shared by the threads, uses part of L3; some VMs report the
  // whole socket's L3, so cap it at what one CCX / die commonly has.
  const int64_t l3 = std::min<int64_t>(p.caches.l3, int64_t{32} << 20);
  p.nc = std::clamp<int64_t>(round_down(l3 / 8 / (4 * p.kc), p.nr), p.nr * 4, 4096);
  if (const char* env = tuning_value("CONVKIT_GEMM_BLOCKS")) {
    long mc = 0, kc = 0, nc = 0;
    int used = 0;
    constexpr long kMax = 1 << 20;  // a block of 2^20 x 2^20 floats is already far past any cache
    if (std::sscanf(env, "%ld,%ld,%ld%n", &mc, &kc, &nc, &used) == 3 && env[used] == '\0' &&
        mc > 0 && kc > 0 && nc > 0 && mc <= kMax && kc <= kMax && nc <= kMax) {
      p.mc = round_down(mc, p.mr), p.kc = kc, p.nc = round_down(nc, p.nr);
    } else {
      tuning_warn(std::string("CONVKIT_GEMM_BLOCKS=") + env +
                  " is not \"mc,kc,nc\" (three positive whole numbers up to 1048576); ignored");
    }
  }
  return p;
}

}  // namespace

cache_sizes detect_cache_sizes() {
  cache_sizes c{0, 0, 0};
#if defined(_SC_LEVEL1_DCACHE_SIZE)
  c.l1d = sysconf(_SC_LEVEL1_DCACHE_SIZE);
  c.l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
  c.l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
  if (c.l1d <= 0) c.l1d = sys_cache(1, true);
  if (c.l2 <= 0) c.l2 = sys_cache(2, true);
  if (c.l3 <= 0) c.l3 = sys_cache(3, true);
  // Sane defaults, and bounds against nonsense reports.
  if (c.l1d < (16 << 10) || c.l1d > (1 << 20)) c.l1d = 32 << 10;
  if (c.l2 < (128 << 10) || c.l2 > (64 << 20)) c.l2 = 512 << 10;
  if (c.l3 < c.l2) c.l3 = std::max<int64_t>(c.l2, 8 << 20);
  return c;
}

const gemm_plan& get_gemm_plan() {
  static const gemm_plan plan = make_plan();  // filled once, thread-safe
  return plan;
}

}  // namespace convkit
