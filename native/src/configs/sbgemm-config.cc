// The bf16 GEMM's config: the AVX512_BF16 kernels when the CPU runs them, the active ISA is
// AVX-512 (CONVKIT_ISA lowers it) and CONVKIT_BF16 is not "emulate".
#include "configs/sbgemm-config.h"

#include <algorithm>

#include "configs/gemm-config.h"
#include "configs/tuning.h"
#include "gemm/ukernel/ukernels.h"
#include "isa/config.h"

namespace convkit {
namespace {

sbgemm_plan make_plan() {
  sbgemm_plan p{};
  const bool emulate = tuning_choice("CONVKIT_BF16", {"auto", "emulate"}, 0) == 1;
#if defined(__x86_64__) || defined(_M_X64)
  if (!emulate && active_isa() == isa::avx512 && detect_cpu_avx512_bf16()) {
    p.ukernel = bf16_gemm_ukernel_8x32__avx512bf16, p.mr = 8, p.nr = 32;
    p.ukernel_finish = bf16_gemm_ukernel_8x32_finish__avx512bf16;
    p.pairs_along = bf16_pairs_along__avx512bf16, p.pairs_across = bf16_pairs_across__avx512bf16;
    p.round = bf16_round__avx512bf16;
  }
#else
  (void)emulate;
#endif
  const cache_sizes caches = get_gemm_plan().caches;
  if (p.ukernel) {
    // The B micro-panel (kc x nr bf16) in half of L1d; the A block (mc x kc bf16) a quarter of L2.
    p.kc = std::clamp<int64_t>(caches.l1d / 2 / (2 * p.nr) / 32 * 32, 128, 1024);
    p.mc = std::clamp<int64_t>(caches.l2 / 4 / (2 * p.kc) / p.mr * p.mr, p.mr, 1024);
  }
  return p;
}

}  // namespace

const sbgemm_plan& get_sbgemm_plan() {
  static const sbgemm_plan plan = make_plan();
  return plan;
}

}  // namespace convkit
