// Machine ceilings measured in-process, for the GEMM benchmark to report fractions of:
//   fma_peak_gflops(threads): independent chains of vfmadd231ps on zmm (or ymm) registers,
//     12 accumulators per thread (covers 4-cycle latency x 2-3 FMA pipes), 2 flops x lanes each.
//   read_bandwidth_gbs(threads): streaming read (vector sum) of a 1 GiB array, far past L3.
//   copy_bandwidth_gbs(threads, bytes, evict, nt): a streaming copy of `bytes` into as many
//     (bytes read + written per second), the reference for kernels that read and write.
// Header-only; the vector code uses target attributes so the file needs no ISA flags.
#pragma once
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace bench {

inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0.0 : (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

// Runs fn(t) on `threads` threads at once (t = 0 on the caller).
template <class F>
void on_threads(int threads, F fn) {
  std::vector<std::thread> w;
  for (int t = 1; t < threads; ++t) w.emplace_back([&, t] { fn(t); });
  fn(0);
  for (auto& x : w) x.join();
}

#define BENCH_FMA_BODY(V, SET1, FMA, ADD, LANES)                                        \
  V a0 = SET1(1.0f), a1 = SET1(1.1f), a2 = SET1(1.2f), a3 = SET1(1.3f), a4 = SET1(1.4f), \
    a5 = SET1(1.5f), a6 = SET1(1.6f), a7 = SET1(1.7f), a8 = SET1(1.8f), a9 = SET1(1.9f), \
    a10 = SET1(2.0f), a11 = SET1(2.1f);                                                  \
  const V x = SET1(0.999999f), y = SET1(1e-7f);                                          \
  for (int64_t i = 0; i < iters; ++i) {                                                  \
    a0 = FMA(a0, x, y); a1 = FMA(a1, x, y); a2 = FMA(a2, x, y); a3 = FMA(a3, x, y);      \
    a4 = FMA(a4, x, y); a5 = FMA(a5, x, y); a6 = FMA(a6, x, y); a7 = FMA(a7, x, y);      \
    a8 = FMA(a8, x, y); a9 = FMA(a9, x, y); a10 = FMA(a10, x, y); a11 = FMA(a11, x, y);  \
    __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3));                        \
  }                                                                                      \
  V s = ADD(ADD(ADD(a0, a1), ADD(a2, a3)), ADD(ADD(a4, a5), ADD(a6, a7)));               \
  s = ADD(s, ADD(ADD(a8, a9), ADD(a10, a11)));                                           \
  float out[LANES];                                                                      \
  std::memcpy(out, &s, sizeof(out));                                                     \
  return out[0];

__attribute__((target("avx512f"), noinline)) inline float fma_chains_512(int64_t iters) {
  BENCH_FMA_BODY(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, 16)
}
__attribute__((target("avx2,fma"), noinline)) inline float fma_chains_256(int64_t iters) {
  BENCH_FMA_BODY(__m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, 8)
}
#undef BENCH_FMA_BODY

// GFLOP/s of `threads` threads each running 12 independent FMA chains; median of `reps`.
inline double fma_peak_gflops(int threads, bool zmm = true, int reps = 7) {
  const int64_t iters = 20'000'000;  // 12 * 20M FMAs: ~0.1-0.2 s per rep
  const double flops_per_thread = 12.0 * iters * 2.0 * (zmm ? 16 : 8);
  std::vector<double> times;
  volatile float sink = 0;
  for (int r = 0; r < reps + 1; ++r) {
    const double t0 = now_s();
    on_threads(threads, [&](int) { sink = sink + (zmm ? fma_chains_512(iters) : fma_chains_256(iters)); });
    if (r > 0) times.push_back(now_s() - t0);  // rep 0 warms the clocks up
  }
  return threads * flops_per_thread / median(times) * 1e-9;
}

// The bf16 and int8 dot-product instructions (AVX512_BF16 vdpbf16ps: 16 lanes x 2 products of
// bf16 pairs into fp32; AVX512_VNNI vpdpbusd: 16 lanes x 4 products of u8 x s8 into int32),
// 16 independent chains per thread; ops = 2 per multiply-add, as for the FMA peak.
#define BENCH_DOT_BODY(V, ACC)                                                                  \
  ACC c0 = ZERO(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, \
      c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;                                   \
  const V x = SETX(), y = SETY();                                                                   \
  for (int64_t i = 0; i < iters; ++i) {                                                             \
    c0 = DOT(c0, x, y); c1 = DOT(c1, x, y); c2 = DOT(c2, x, y); c3 = DOT(c3, x, y);                 \
    c4 = DOT(c4, x, y); c5 = DOT(c5, x, y); c6 = DOT(c6, x, y); c7 = DOT(c7, x, y);                 \
    c8 = DOT(c8, x, y); c9 = DOT(c9, x, y); c10 = DOT(c10, x, y); c11 = DOT(c11, x, y);             \
    c12 = DOT(c12, x, y); c13 = DOT(c13, x, y); c14 = DOT(c14, x, y); c15 = DOT(c15, x, y);         \
    __asm__ volatile("" : "+v"(c0), "+v"(c1), "+v"(c2), "+v"(c3), "+v"(c4), "+v"(c5), "+v"(c6), "+v"(c7)); \
    __asm__ volatile("" : "+v"(c8), "+v"(c9), "+v"(c10), "+v"(c11), "+v"(c12), "+v"(c13), "+v"(c14),       \
                     "+v"(c15));                                                                    \
  }                                                                                                 \
  ACC t = SUM(SUM(SUM(c0, c1), SUM(c2, c3)), SUM(SUM(c4, c5), SUM(c6, c7)));                        \
  t = SUM(t, SUM(SUM(SUM(c8, c9), SUM(c10, c11)), SUM(SUM(c12, c13), SUM(c14, c15))));               \
  float out[16];                                                                                    \
  std::memcpy(out, &t, sizeof(out));                                                                \
  return out[0];

#define ZERO _mm512_setzero_ps
#define SETX() reinterpret_cast<const __m512bh&>(ones)
#define SETY() reinterpret_cast<const __m512bh&>(ones)
#define DOT _mm512_dpbf16_ps
#define SUM _mm512_add_ps
__attribute__((target("avx512f,avx512bf16"), noinline)) inline float bf16_dot_chains(int64_t iters) {
  const __m512i ones = _mm512_set1_epi16(0x3f80);  // bf16 1.0
  BENCH_DOT_BODY(__m512bh, __m512)
}
#undef ZERO
#undef SETX
#undef SETY
#undef DOT
#undef SUM
#define ZERO _mm512_setzero_si512
#define SETX() _mm512_set1_epi8(1)
#define SETY() _mm512_set1_epi8(1)
#define DOT _mm512_dpbusd_epi32
#define SUM _mm512_add_epi32
__attribute__((target("avx512f,avx512bw,avx512vnni"), noinline)) inline float int8_dot_chains(int64_t iters) {
  BENCH_DOT_BODY(__m512i, __m512i)
}
#undef ZERO
#undef SETX
#undef SETY
#undef DOT
#undef SUM
#undef BENCH_DOT_BODY

enum class dot_kind { bf16, int8 };

// G ops/s (2 per multiply-add) of `threads` threads each running 16 chains of the dot-product
// instruction; 0 where the CPU lacks it.
inline double dot_peak_gops(int threads, dot_kind kind, int reps = 7) {
  __builtin_cpu_init();
  if (kind == dot_kind::bf16 ? !__builtin_cpu_supports("avx512bf16") : !__builtin_cpu_supports("avx512vnni")) return 0.0;
  const int64_t iters = 10'000'000;
  const double ops_per_thread = 16.0 * iters * 2.0 * 16 * (kind == dot_kind::bf16 ? 2 : 4);
  std::vector<double> times;
  volatile float sink = 0;
  for (int r = 0; r < reps + 1; ++r) {
    const double t0 = now_s();
    on_threads(threads, [&](int) { sink = sink + (kind == dot_kind::bf16 ? bf16_dot_chains(iters) : int8_dot_chains(iters)); });
    if (r > 0) times.push_back(now_s() - t0);
  }
  return threads * ops_per_thread / median(times) * 1e-9;
}

// The sum of p[0, n) in 4 independent vector accumulators of V (n a multiple of 4 * LANES).
#define BENCH_SUM_BODY(V, ZERO, LOAD, ADD, LANES)                  \
  V s0 = ZERO(), s1 = s0, s2 = s0, s3 = s0;                        \
  for (int64_t i = 0; i + 4 * (LANES) <= n; i += 4 * (LANES)) {    \
    s0 = ADD(s0, LOAD(p + i));                                     \
    s1 = ADD(s1, LOAD(p + i + (LANES)));                           \
    s2 = ADD(s2, LOAD(p + i + 2 * (LANES)));                       \
    s3 = ADD(s3, LOAD(p + i + 3 * (LANES)));                       \
  }                                                                \
  float o[LANES];                                                  \
  V t = ADD(ADD(s0, s1), ADD(s2, s3));                             \
  std::memcpy(o, &t, sizeof(o));                                   \
  float sum = 0.0f;                                                \
  for (int l = 0; l < (LANES); ++l) sum += o[l];                   \
  return sum;

__attribute__((target("avx512f"), noinline)) inline float sum_stream(const float* p, int64_t n) {
  BENCH_SUM_BODY(__m512, _mm512_setzero_ps, _mm512_load_ps, _mm512_add_ps, 16)
}
__attribute__((target("avx2"), noinline)) inline float sum_stream_256(const float* p, int64_t n) {
  BENCH_SUM_BODY(__m256, _mm256_setzero_ps, _mm256_load_ps, _mm256_add_ps, 8)
}
#undef BENCH_SUM_BODY

// GB/s of a streaming read of `bytes` (default 1 GiB, far past any L3) split over `threads`;
// median of `reps`. Each thread first-touches its own part.
inline double read_bandwidth_gbs(int threads, size_t bytes = size_t{1} << 30, int reps = 5,
                                 bool avx512 = true) {
  const int64_t n = static_cast<int64_t>(bytes / sizeof(float));
  float* p = static_cast<float*>(std::aligned_alloc(64, bytes));
  if (p == nullptr) return 0.0;
  const int64_t per = (n / threads) / 64 * 64;
  on_threads(threads, [&](int t) {
    for (int64_t i = t * per; i < (t + 1) * per; ++i) p[i] = 1.0f;
  });
  std::vector<double> times;
  volatile float sink = 0;
  for (int r = 0; r < reps + 1; ++r) {
    const double t0 = now_s();
    on_threads(threads, [&](int t) {
      sink = sink + (avx512 ? sum_stream(p + t * per, per) : sum_stream_256(p + t * per, per));
    });
    if (r > 0) times.push_back(now_s() - t0);
  }
  std::free(p);
  return static_cast<double>(per) * threads * sizeof(float) / median(times) * 1e-9;
}


// What a stream reference does: copy y = x with ordinary stores (each stored line is read
// first, as in every convkit kernel) or non-temporal ones (no read of the stored lines, then an
// sfence), or fill y with ordinary stores and no loads (the write-only ceiling of write-heavy
// kernels such as upsample x2, which writes four times what it reads).
enum class stream_kind { copy, copy_nt, fill };

// y[0, n) = x[0, n) (copy, copy_nt) or a constant (fill), 64-byte vectors.
__attribute__((target("avx512f"), noinline)) inline void copy_stream(const float* x, float* y, int64_t n, stream_kind kind) {
  int64_t i = 0;
  if (kind == stream_kind::fill) {
    const __m512 v = _mm512_set1_ps(1.0f);
    for (; i + 64 <= n; i += 64) {
      _mm512_store_ps(y + i, v);
      _mm512_store_ps(y + i + 16, v);
      _mm512_store_ps(y + i + 32, v);
      _mm512_store_ps(y + i + 48, v);
    }
    for (; i < n; ++i) y[i] = 1.0f;
    return;
  }
  if (kind == stream_kind::copy_nt) {
    for (; i + 64 <= n; i += 64) {
      _mm512_stream_ps(y + i, _mm512_load_ps(x + i));
      _mm512_stream_ps(y + i + 16, _mm512_load_ps(x + i + 16));
      _mm512_stream_ps(y + i + 32, _mm512_load_ps(x + i + 32));
      _mm512_stream_ps(y + i + 48, _mm512_load_ps(x + i + 48));
    }
    _mm_sfence();
  } else {
    for (; i + 64 <= n; i += 64) {
      _mm512_store_ps(y + i, _mm512_load_ps(x + i));
      _mm512_store_ps(y + i + 16, _mm512_load_ps(x + i + 16));
      _mm512_store_ps(y + i + 32, _mm512_load_ps(x + i + 32));
      _mm512_store_ps(y + i + 48, _mm512_load_ps(x + i + 48));
    }
  }
  for (; i < n; ++i) y[i] = x[i];
}

// A reusable barrier for `n` threads: spins about 50 us (as convkit's pool does), then sleeps,
// so a thread waiting out the eviction does not look like a CPU hog to the scheduler.
class spin_barrier {
 public:
  explicit spin_barrier(int n) : n_(n) {}
  void wait() {
    const int gen = gen_.load(std::memory_order_acquire);
    if (count_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) {
      count_.store(0, std::memory_order_relaxed);
      {
        std::lock_guard<std::mutex> lock(mu_);
        gen_.fetch_add(1, std::memory_order_acq_rel);
      }
      cv_.notify_all();
      return;
    }
    const double deadline = now_s() + 50e-6;
    for (int i = 1; gen_.load(std::memory_order_acquire) == gen; ++i) {
      _mm_pause();
      if ((i & 63) == 0 && now_s() > deadline) {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return gen_.load(std::memory_order_acquire) != gen; });
      }
    }
  }

 private:
  const int n_;
  std::atomic<int> count_{0}, gen_{0};
  std::mutex mu_;
  std::condition_variable cv_;
};

// GB/s (bytes read + bytes written, per second; a fill reads none) of copying `bytes` into
// another `bytes` (or filling them), split
// in contiguous parts over `threads` threads that stay up for all reps; median of `reps` after
// a warm-up rep (which also faults the pages in). evict: before each rep, untimed, the threads
// read one float per line of a 256 MB buffer, each its part (as bench/evict.js does between timed runs),
// so the copy starts from memory; otherwise the copy repeats on warm caches.
inline double copy_bandwidth_gbs(int threads, size_t bytes, bool evict, stream_kind kind, int reps = 15) {
  const int64_t n = static_cast<int64_t>(bytes / sizeof(float));
  const size_t evict_bytes = size_t{256} << 20;
  float* x = static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
  float* y = static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
  float* e = evict ? static_cast<float*>(std::aligned_alloc(64, evict_bytes)) : nullptr;
  if (x == nullptr || y == nullptr || (evict && e == nullptr)) {
    std::free(x);
    std::free(y);
    std::free(e);
    return 0.0;
  }
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(i & 1023);
  if (e != nullptr) std::fill(e, e + evict_bytes / sizeof(float), 1.0f);
  const int64_t per = (n / threads + 15) / 16 * 16;  // 64-byte aligned parts
  spin_barrier barrier(threads);
  std::vector<double> times;
  volatile float sink = 0;
  std::vector<float> parts(threads, 0.0f);  // the eviction reads' sums, kept so they are not optimized out
  double t0 = 0.0;
  on_threads(threads, [&](int t) {
    const int64_t lo = std::min(n, t * per), hi = std::min(n, lo + per);
    for (int r = 0; r < reps + 1; ++r) {
      if (e != nullptr) {  // each thread reads its part (every core's caches, no sleeper to wake)
        const size_t part = evict_bytes / sizeof(float) / threads;
        float s = 0.0f;
        for (size_t i = t * part; i < (t + 1) * part; i += 16) s += e[i];
        parts[t] += s;
      }
      barrier.wait();
      if (t == 0) t0 = now_s();
      copy_stream(x + lo, y + lo, hi - lo, kind);
      barrier.wait();
      if (t == 0 && r > 0) times.push_back(now_s() - t0);
    }
  });
  sink = sink + y[n / 2];
  for (const float s : parts) sink = sink + s;
  std::free(x);
  std::free(y);
  std::free(e);
  return (kind == stream_kind::fill ? 1.0 : 2.0) * static_cast<double>(bytes) / median(times) * 1e-9;
}

}  // namespace bench
