// Fills the Winograd config from the active ISA and CONVKIT_WINO_PASS_FLOATS.
#include "configs/winograd-config.h"
#include "configs/configs.h"

#include "configs/tuning.h"
#include "convkit/isa.h"

namespace convkit {
namespace {

winograd_config make_config() {
  winograd_config c{};
  c.input = f32_winograd_f2k3_input__scalar;
  c.weight = f32_winograd_f2k3_weight__scalar;
  c.output = f32_winograd_f2k3_output__scalar;
  c.dy = f32_winograd_f2k3_dy__scalar;
  // Measured against the implicit GEMM / direct paths (AVX-512, 1 thread, ms, nchw/nhwc):
  // Winograd wins from 24 channels on (56x56 24->64: 0.33/0.30 vs 0.47/0.49; 28x28x24 ties)
  // and from 16 tiles on (7x7x256: 0.37 vs 0.39, 7x7x512: 1.32/1.25 vs 1.47/1.52); with 9 tiles
  // (5x5x256: 0.29 vs 0.20) or fewer the weight transform dominates. The portable transforms
  // lost on 14x14x256: implicit GEMM on the other levels.
  c.min_channels = 24;
  c.min_tiles = 16;
#if defined(__x86_64__) || defined(_M_X64)
  if (active_isa() == isa::avx2) {
    c.input = f32_winograd_f2k3_input__avx2;
    c.weight = f32_winograd_f2k3_weight__avx2;
    c.output = f32_winograd_f2k3_output__avx2;
    c.dy = f32_winograd_f2k3_dy__avx2;
    c.preferred = true;
  }
  if (active_isa() == isa::avx512) {
    c.input = f32_winograd_f2k3_input__avx512;
    c.weight = f32_winograd_f2k3_weight__avx512;
    c.output = f32_winograd_f2k3_output__avx512;
    c.dy = f32_winograd_f2k3_dy__avx512;
    c.preferred = true;
  }
#endif
  c.pass_floats = tuning_int("CONVKIT_WINO_PASS_FLOATS", 1, int64_t{1} << 40, int64_t{1} << 22);
  return c;
}

}  // namespace

const winograd_config& get_winograd_config() { return config_instance<winograd_config, make_config>(); }
winograd_config& mutable_winograd_config() { return config_instance<winograd_config, make_config>(); }

}  // namespace convkit
