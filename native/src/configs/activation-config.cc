// Fills the activation config (activation-config.h).
#include "configs/activation-config.h"

namespace convkit {

const activation_config& get_activation_config() {
  static const activation_config c = {
      f32_vrelu__scalar,          f32_vsigmoid__scalar,          f32_vtanh__scalar,
      f32_vrelu_backward__scalar, f32_vsigmoid_backward__scalar, f32_vtanh_backward__scalar,
  };
  return c;
}

}  // namespace convkit
