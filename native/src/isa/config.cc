// Chooses the ISA level once (CPU + OS, optionally lowered by CONVKIT_ISA); immutable after
// the first call.
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "isa/config.h"

namespace convkit {
namespace {

struct isa_state {
  isa detected = isa::scalar;
  isa active = isa::scalar;
  std::string warning;
};

bool parse_isa(const char* s, isa* out) {
  static const struct { const char* name; isa level; } names[] = {
      {"scalar", isa::scalar}, {"avx2", isa::avx2}, {"avx512", isa::avx512}, {"neon", isa::neon}};
  for (const auto& n : names) {
    if (std::strcmp(s, n.name) == 0) { *out = n.level; return true; }
  }
  return false;
}

// Can a machine whose best level is `have` run `want`? Levels form two chains:
// scalar < avx2 < avx512 on x86, scalar < neon on Arm.
bool supports(isa have, isa want) {
  if (want == isa::scalar) return true;
  if (want == isa::neon) return have == isa::neon;
  if (have == isa::neon) return false;
  return static_cast<int>(want) <= static_cast<int>(have);
}

const isa_state& state() {
  static isa_state s;
  static std::once_flag once;
  std::call_once(once, [] {
    s.detected = detect_cpu_isa();
    s.active = s.detected;
    if (const char* env = std::getenv("CONVKIT_ISA"); env != nullptr && *env != '\0') {
      isa want;
      if (!parse_isa(env, &want)) {
        s.warning = std::string("CONVKIT_ISA=") + env +
                    " is not one of avx512, avx2, neon, scalar; using " + isa_name(s.detected);
      } else if (!supports(s.detected, want)) {
        s.warning = std::string("CONVKIT_ISA=") + env + " is not supported by this machine; using " +
                    isa_name(s.detected);
      } else {
        s.active = want;
      }
    }
  });
  return s;
}

}  // namespace

isa detected_isa() { return state().detected; }
isa active_isa() { return state().active; }

const char* isa_override_warning() {
  const isa_state& s = state();
  return s.warning.empty() ? nullptr : s.warning.c_str();
}

const char* isa_name(isa level) {
  switch (level) {
    case isa::avx512: return "avx512";
    case isa::avx2: return "avx2";
    case isa::neon: return "neon";
    default: return "scalar";
  }
}

}  // namespace convkit
