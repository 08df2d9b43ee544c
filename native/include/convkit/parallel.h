// One process-wide compute budget behind parallel_for: OpenMP where the compiler has it,
// a portable std::thread fallback where it does not.
#pragma once
#include <cstdint>
#include <functional>

namespace convkit {

void set_num_threads(int n);  // n >= 1
int get_num_threads();
bool has_openmp();

// Calls fn(begin, end) on disjoint chunks covering [0, n), possibly concurrently.
// Runs inline when n is small, the budget is 1, or when already inside a parallel region.
void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace convkit
