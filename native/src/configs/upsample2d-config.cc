// Fills the upsample2d config (upsample2d-config.h).
#include "configs/upsample2d-config.h"
#include "configs/configs.h"

#include "convkit/isa.h"

namespace convkit {
namespace {

upsample2d_config make_config() {
  upsample2d_config c = {
      f32_upsample_nearest_row__scalar,
      f32_upsample_nearest_row_x2__scalar,
      f32_upsample_linear_row__scalar,
      f32_upsample_linear_row_x2__scalar,
      f32_upsample_bilinear_rows_x2__scalar,
      f32_upsample_blend_rows__scalar,
      f32_upsample_bilinear_row_backward__scalar,
      f32_upsample_bilinear_pixel__scalar,
      f32_upsample_bilinear_pixel_backward__scalar,
  };
#if defined(__x86_64__) || defined(_M_X64)  // the AVX2 and AVX-512 kernels are built for x86-64 only
  if (active_isa() == isa::avx2) {
    c.nearest_row_x2 = f32_upsample_nearest_row_x2__avx2;
    c.linear_row_x2 = f32_upsample_linear_row_x2__avx2;
    c.bilinear_rows_x2 = f32_upsample_bilinear_rows_x2__avx2;
    c.blend_rows = f32_upsample_blend_rows__avx2;
  }
  if (active_isa() == isa::avx512) {
    c.nearest_row = f32_upsample_nearest_row__avx512;
    c.nearest_row_x2 = f32_upsample_nearest_row_x2__avx512;
    c.linear_row = f32_upsample_linear_row__avx512;
    c.linear_row_x2 = f32_upsample_linear_row_x2__avx512;
    c.bilinear_rows_x2 = f32_upsample_bilinear_rows_x2__avx512;
    c.blend_rows = f32_upsample_blend_rows__avx512;
    c.bilinear_pixel = f32_upsample_bilinear_pixel__avx512;
  }
#endif
  return c;
}

}  // namespace

const upsample2d_config& get_upsample2d_config() { return config_instance<upsample2d_config, make_config>(); }

}  // namespace convkit
