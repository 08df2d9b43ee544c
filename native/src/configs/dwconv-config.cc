// Fills the depthwise config from the active ISA (dwconv-config.h).
#include "configs/dwconv-config.h"
#include "configs/configs.h"

#include "convkit/isa.h"

namespace convkit {

namespace {

dwconv_config make_config() {
  dwconv_config c{};
#if defined(__x86_64__) || defined(_M_X64)
  if (active_isa() == isa::avx2) {
    c.nchw_row = f32_dwconv_ukernel_1x32__avx2;
    c.nhwc_row = f32_dwconv_nhwc_row__avx2;
  }
  if (active_isa() == isa::avx512) {
    c.nchw_row = f32_dwconv_ukernel_1x64__avx512;
    c.nhwc_row = f32_dwconv_nhwc_row__avx512;
  }
#endif
  return c;
}

}  // namespace

const dwconv_config& get_dwconv_config() { return config_instance<dwconv_config, make_config>(); }

}  // namespace convkit
