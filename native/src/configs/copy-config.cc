// Fills the copy config (configs/copy-config.h): the AVX2 tile on AVX2 and AVX-512 machines.
#include "configs/copy-config.h"

#include "convkit/isa.h"

namespace convkit {

const copy_config& get_copy_config() {
  static const copy_config config = [] {
    copy_config c{f32_transpose_tile__scalar};
#if defined(__x86_64__) || defined(_M_X64)
    if (active_isa() == isa::avx512 || active_isa() == isa::avx2) c.transpose_tile = f32_transpose_tile__avx2;
#endif
    return c;
  }();
  return config;
}

}  // namespace convkit
