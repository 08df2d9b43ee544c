// A tiny test harness for the core's C++ tests: TEST(name) registration, CHECK, guard-page
// buffers (a read or write past the end faults at once, as in MLAS's test_util.h), a seeded
// RNG and an error-bound comparison. The last line printed is "N passed, M failed".
#pragma once
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "convkit/isa.h"
#include "convkit/parallel.h"

namespace test {

struct test_case {
  const char* name;
  std::function<void()> fn;
};
inline std::vector<test_case>& registry() {
  static std::vector<test_case> r;
  return r;
}
inline int& failures_in_current() {
  static int f = 0;
  return f;
}
struct registrar {
  registrar(const char* name, std::function<void()> fn) { registry().push_back({name, std::move(fn)}); }
};

#define TEST(name)                                             \
  static void test_##name();                                   \
  static ::test::registrar registrar_##name(#name, test_##name); \
  static void test_##name()

#define CHECK(cond, ...)                                                   \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::printf("  CHECK failed %s:%d: %s ", __FILE__, __LINE__, #cond); \
      std::printf(__VA_ARGS__);                                            \
      std::printf("\n");                                                   \
      ++::test::failures_in_current();                                     \
    }                                                                      \
  } while (0)

// n floats that end exactly at a PROT_NONE page: any access past the end faults.
class guarded {
 public:
  explicit guarded(size_t n) : n_(n) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t bytes = n * sizeof(float);
    const size_t data_pages = (bytes + page - 1) / page;
    total_ = (data_pages + 1) * page;
    void* m = mmap(nullptr, total_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) { std::perror("mmap"); std::abort(); }
    base_ = static_cast<char*>(m);
    char* guard = base_ + data_pages * page;
    if (mprotect(guard, page, PROT_NONE) != 0) { std::perror("mprotect"); std::abort(); }
    data_ = reinterpret_cast<float*>(guard - bytes);
  }
  guarded(const guarded&) = delete;
  guarded& operator=(const guarded&) = delete;
  ~guarded() { munmap(base_, total_); }
  float* data() { return data_; }
  const float* data() const { return data_; }
  size_t size() const { return n_; }
  float& operator[](size_t i) { return data_[i]; }
  float operator[](size_t i) const { return data_[i]; }
  void copy_from(const std::vector<float>& v) {
    if (!v.empty()) std::memcpy(data_, v.data(), v.size() * sizeof(float));  // memcpy(p, nullptr, 0) is UB
  }

 private:
  size_t n_, total_;
  char* base_;
  float* data_;
};

inline std::mt19937_64& rng() {
  static std::mt19937_64 r(12345);
  return r;
}
inline int64_t rand_int(int64_t lo, int64_t hi) {  // inclusive
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng());
}
inline std::vector<float> rand_vec(size_t n, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng());
  return v;
}

// |got - want| <= atol_i + rtol*|want| for every i; atol_i = 4*eps*sqrt(K)*bound_i (the
// conformance README's rule), where bound_i is the exact sum of |terms| of element i.
inline bool close(const char* what, const float* got, const float* want, const float* bound,
                  size_t n, double reduction_len, double rtol = 1e-5) {
  const double eps = 1.1920929e-7;
  for (size_t i = 0; i < n; ++i) {
    const double atol = std::max(1e-7, 4.0 * eps * std::sqrt(std::max(1.0, reduction_len)) * (bound ? bound[i] : 1.0));
    const double diff = std::fabs(static_cast<double>(got[i]) - want[i]);
    if (!(diff <= atol + rtol * std::fabs(want[i])) && !(std::isnan(got[i]) && std::isnan(want[i]))) {
      std::printf("  %s: mismatch at %zu: got %.9g want %.9g (atol %.3g)\n", what, i, got[i], want[i], atol);
      ++failures_in_current();
      return false;
    }
  }
  return true;
}

inline int run_all(const char* suite) {
  const char* warn = convkit::isa_override_warning();
  const char* env = std::getenv("CONVKIT_ISA");
  std::printf("%s: CONVKIT_ISA=%s -> running %s (detected %s), %d threads%s%s\n", suite,
              env ? env : "(unset)", convkit::isa_name(convkit::active_isa()),
              convkit::isa_name(convkit::detected_isa()), convkit::get_num_threads(),
              warn ? "; warning: " : "", warn ? warn : "");
  int passed = 0, failed = 0;
  for (const auto& t : registry()) {
    failures_in_current() = 0;
    t.fn();
    if (failures_in_current() == 0) {
      ++passed;
    } else {
      ++failed;
      std::printf("FAIL %s\n", t.name);
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace test
