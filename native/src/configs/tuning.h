// Tuning switches read from the environment (CONVKIT_CONV_ALGO, CONVKIT_GEMM_BLOCKS, ...).
// Each op family's config reads its switches once, when it is filled; a value that is not
// understood is ignored and leaves one warning, which info().native.warnings reports and the
// JS loader prints once (as it does for CONVKIT_ISA).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace convkit {

// The index in `values` of the variable's value; `fallback` when it is unset or empty, and
// also (with a warning) when it is none of them.
int tuning_choice(const char* name, std::initializer_list<const char*> values, int fallback);

// An integer in [lo, hi]; `fallback` when unset or empty, and (with a warning) when it is not
// a whole number in range.
int64_t tuning_int(const char* name, int64_t lo, int64_t hi, int64_t fallback);

// The raw value, or nullptr when unset or empty (for switches with their own syntax; report
// a bad value with tuning_warn).
const char* tuning_value(const char* name);

// Records a warning once (repeats of the same text are dropped).
void tuning_warn(const std::string& message);

// Every warning so far, CONVKIT_ISA's first. Fills the op configs first, so their switches
// have been read.
std::vector<std::string> tuning_warnings();

}  // namespace convkit
