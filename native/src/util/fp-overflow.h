// The calling thread's sticky floating-point overflow flag (MXCSR.OE on x86-64, FPSR.OFC on
// arm64), watched across a block of kernel calls. The avg pools sum in float: the only way a
// sum of finite inputs turns Inf (where the exact mean is finite) is an overflowing add, and
// every such add sets this flag; Inf / NaN inputs pass through without it and come out as the
// exact (double) sum would give them. So the double-precision fix-up runs only when the flag
// went up, and the kernels spend nothing per vector on tracking.
// Use: construct before the kernel calls, ask raised() after them. The kernels must run
// behind an opaque call (the config's function pointers): the compiler cannot move their
// arithmetic across it, and the flag reads are volatile asm with a memory clobber.
// Where the flag cannot be read, raised() is always true: the fix-up then scans every
// output (correct, slower).
#pragma once
#include <cstdint>
#if defined(_M_X64) && !defined(__GNUC__)
#include <intrin.h>
#include <xmmintrin.h>
#endif

namespace convkit {

class fp_overflow_watch {
 public:
  // Clears the flag if some earlier code left it set (restored on destruction).
  fp_overflow_watch() : was_set_(read() & kFlag) {
    if (was_set_) write(read() & ~kFlag);
  }
  ~fp_overflow_watch() {
    if (was_set_) write(read() | kFlag);
  }
  fp_overflow_watch(const fp_overflow_watch&) = delete;
  fp_overflow_watch& operator=(const fp_overflow_watch&) = delete;

  // Whether an add, multiply or conversion overflowed on this thread since construction.
  bool raised() const { return !kSupported || (read() & kFlag) != 0; }

 private:
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  static constexpr bool kSupported = true;
  static constexpr uint32_t kFlag = 1u << 3;  // MXCSR.OE
  static uint32_t read() {
    uint32_t csr;
    asm volatile("stmxcsr %0" : "=m"(csr) : : "memory");
    return csr;
  }
  static void write(uint32_t csr) { asm volatile("ldmxcsr %0" : : "m"(csr) : "memory"); }
#elif defined(_M_X64)
  static constexpr bool kSupported = true;
  static constexpr uint32_t kFlag = 1u << 3;  // MXCSR.OE
  static uint32_t read() {
    _ReadWriteBarrier();
    return _mm_getcsr();
  }
  static void write(uint32_t csr) {
    _mm_setcsr(csr);
    _ReadWriteBarrier();
  }
#elif defined(__aarch64__) && defined(__GNUC__)
  static constexpr bool kSupported = true;
  static constexpr uint32_t kFlag = 1u << 2;  // FPSR.OFC
  static uint32_t read() {
    uint64_t fpsr;
    asm volatile("mrs %0, fpsr" : "=r"(fpsr) : : "memory");
    return static_cast<uint32_t>(fpsr);
  }
  static void write(uint32_t fpsr) { asm volatile("msr fpsr, %0" : : "r"(static_cast<uint64_t>(fpsr)) : "memory"); }
#else
  static constexpr bool kSupported = false;
  static constexpr uint32_t kFlag = 0;
  static uint32_t read() { return 0; }
  static void write(uint32_t) {}
#endif
  const bool was_set_;
};

}  // namespace convkit
