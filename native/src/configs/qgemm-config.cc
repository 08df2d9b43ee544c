// The int8 GEMM's config: the AVX512_VNNI kernels when the CPU runs them, the active ISA is
// AVX-512 (CONVKIT_ISA lowers it) and CONVKIT_INT8 is not "emulate"; else the portable loops.
#include "configs/qgemm-config.h"

#include "configs/tuning.h"
#include "gemm/ukernel/s8-gemm.h"
#include "isa/config.h"

namespace convkit {
namespace {

qgemm_plan make_plan() {
  qgemm_plan p{s8_gemm_ukernel_4x32__scalar, s8_quantize__scalar, f32_absmax__scalar, f32_absmax_cols__scalar,
               s8_pack_panel__scalar, 4, false, false};
  const bool emulate = tuning_choice("CONVKIT_INT8", {"auto", "emulate"}, 0) == 1;
#if defined(__x86_64__) || defined(_M_X64)
  if (!emulate && active_isa() == isa::avx512 && detect_cpu_avx512_vnni()) {
    p = {s8_gemm_ukernel_12x32__avx512vnni, s8_quantize__avx512vnni, f32_absmax__avx512vnni,
         f32_absmax_cols__avx512vnni, s8_pack_panel__avx512vnni, 12, true, true};
  }
#else
  (void)emulate;
#endif
  return p;
}

}  // namespace

const qgemm_plan& get_qgemm_plan() {
  static const qgemm_plan plan = make_plan();
  return plan;
}

}  // namespace convkit
