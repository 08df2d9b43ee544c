// Fills the upsample2d config (upsample2d-config.h).
#include "configs/upsample2d-config.h"

namespace convkit {

const upsample2d_config& get_upsample2d_config() {
  static const upsample2d_config c = {
      f32_upsample_nearest_row__scalar,
      f32_upsample_bilinear_row__scalar,
      f32_upsample_bilinear_row_backward__scalar,
      f32_upsample_bilinear_pixel__scalar,
      f32_upsample_bilinear_pixel_backward__scalar,
  };
  return c;
}

}  // namespace convkit
