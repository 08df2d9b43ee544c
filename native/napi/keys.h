// Reading the info objects' fields. Node-API 8 has no cheaper key than a C string (V8
// internalizes it on each read; references to strings need Node-API 10), so a call's fixed
// cost grows with its fields: keep the reads to what the op needs, and build a field's name
// for a message only when the value is refused (check.h).
#pragma once
#include <napi.h>

namespace convkit::glue {

// o[name].
inline Napi::Value field(Napi::Env, const Napi::Object& o, const char* name) { return o.Get(name); }

}  // namespace convkit::glue
