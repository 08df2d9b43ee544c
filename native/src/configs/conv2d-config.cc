// Fills the conv2d config from the active ISA and CONVKIT_CONV_ALGO (conv2d-config.h).
#include "configs/conv2d-config.h"
#include "configs/configs.h"

#include "configs/gemm-config.h"
#include "configs/tuning.h"
#include "convkit/isa.h"

namespace convkit {
namespace {

conv2d_config make_config() {
  conv2d_config c{};
  c.algo = static_cast<conv_algo>(
      tuning_choice("CONVKIT_CONV_ALGO", {"auto", "igemm", "winograd"}, 0));
  c.pack_panel = f32_igemm_pack_panel__scalar;
  c.epilogue = f32_conv2d_epilogue__scalar;
  c.epilogue_rows = f32_conv2d_epilogue_rows__scalar;
#if defined(__x86_64__) || defined(_M_X64)
  if (active_isa() == isa::avx2) {
    c.epilogue = f32_conv2d_epilogue__avx2;
    c.epilogue_rows = f32_conv2d_epilogue_rows__avx2;
    c.direct = f32_conv2d_direct_ukernel_8x24__avx2;
    c.direct_to_nhwc = f32_conv2d_tile_to_nhwc__avx2;
    // 8 lanes: 3 -> 64 7x7 / 2 at 224 (ResNet's stem) 2.29 -> 2.12 ms, 6 -> 16 5x5 at 14 batch
    // 64 (LeNet's conv2) 0.43 -> 0.35, 1 -> 6 5x5 at 28 batch 64 0.35 -> 0.20, against `direct`.
    c.direct_nhwc = f32_conv2d_direct_nhwc_row__avx2;
    c.direct_nhwc_lanes = 8;
    // 8 lanes: LeNet's conv1 (1 x 5x5) 2.1x and a 3 x 3x3 input layer 1.6x the packed GEMM,
    // its conv2 (6 x 5x5 = 150) 0.88x.
    c.backward_filter_direct = f32_conv2d_backward_filter_direct__avx2;
    c.backward_filter_direct_max_kd = 96;
  }
  if (active_isa() == isa::avx512) {
    c.epilogue = f32_conv2d_epilogue__avx512;
    c.epilogue_rows = f32_conv2d_epilogue_rows__avx512;
    c.direct = f32_conv2d_direct_ukernel_8x48__avx512;
    c.direct_to_nhwc = f32_conv2d_tile_to_nhwc__avx512;
    // A 3 x 3x3 / 2 stem to 32 channels (MobileNetV2's), 224 x 224: 0.23 ms through `direct`'s
    // planar copy and transposes, 0.13 ms here.
    c.direct_nhwc = f32_conv2d_direct_nhwc_row__avx512;
    c.direct_nhwc_lanes = 16;
    c.pack_panel = f32_igemm_pack_panel__avx512;
    c.pad_row = f32_igemm_pad_row__avx512;
    // 16 lanes: 6 x 5x5 = 150 1.25x, 16 x 3x3 = 144 1.4x, 24 x 3x3 = 216 1.0x the packed GEMM.
    c.backward_filter_direct = f32_conv2d_backward_filter_direct__avx512;
    c.backward_filter_direct_max_kd = 160;
    const gemm_plan& plan = get_gemm_plan();
    if (plan.mr == 8 && plan.nr == 32) {  // CONVKIT_GEMM_BLOCKS changes blocks, never the tile
      c.gemm_arows_wide = f32_gemm_ukernel_8x32_arows__avx512;
      c.gemm_arows_narrow = f32_gemm_ukernel_8x16_arows__avx512;
      c.arows_narrow_cols = 16;
      c.backward_filter_in_place = f32_conv2d_backward_filter_ukernel_8x32__avx512;
    }
  }
#endif
  return c;
}

}  // namespace

const conv2d_config& get_conv2d_config() { return config_instance<conv2d_config, make_config>(); }
conv2d_config& mutable_conv2d_config() { return config_instance<conv2d_config, make_config>(); }

}  // namespace convkit
