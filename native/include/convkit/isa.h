// Which SIMD level the kernels use. Chosen once per process from CPU and OS support,
// optionally lowered by CONVKIT_ISA=avx512|avx2|neon|scalar (never raised past the hardware).
#pragma once

namespace convkit {

enum class isa : int { scalar = 0, avx2 = 1, avx512 = 2, neon = 3 };

isa detected_isa();        // best level this CPU + OS support
isa active_isa();          // level in use (after CONVKIT_ISA)
const char* isa_name(isa level);
// Set when CONVKIT_ISA asked for a level the machine lacks or a name we do not know.
const char* isa_override_warning();

}  // namespace convkit
