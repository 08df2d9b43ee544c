// convkit against oneDNN (Debian's libdnnl-dev; built only where CMake finds it) on the
// suite.json workloads, in one process, interleaved: each round times every peer once, each
// figure is the median of the rounds (ms).
//
// conv2d (forward, bias, NCHW and NHWC; weights prepared once by both, as a model does):
//   convkit       conv2d_packed on the caller's layout (weights by conv2d_prepack)
//   onednn own    the primitive alone, x and y already in the blocked layouts it chose
//                 (format `any`): what a whole-model oneDNN pipeline pays per layer
//   onednn user   what a user of its public API with the caller's tensors pays: the faster of
//                 (a) reorder x into the primitive's layout, run it, reorder y back, and
//                 (b) a primitive created on the caller's layout itself (no reorders)
//   Both oneDNN algorithms (direct, auto) are tried and the faster kept; its implementation
//   name is printed. Each output is checked against convkit's (max |diff| / max |y|).
// GEMM (row-major C = A B, every suite shape): convkit::sgemm against dnnl_sgemm.
//   onednn-peer [filter] [--threads N] [--rounds R]
// Threads: convkit's pool and oneDNN's OpenMP team are both set to N (default 1). At N > 1 the
// two pools are each other's neighbours: OpenMP's threads spin-wait after each region by
// default, and convkit's pool then takes no helper for the core they occupy (parallel.cc's
// neighbour check), so convkit runs on about one core; OMP_WAIT_POLICY=passive makes them sleep
// instead (the comparison of two pools on an otherwise idle machine).
#include <dnnl.hpp>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "convkit/conv2d.h"
#include "convkit/gemm.h"
#include "convkit/isa.h"
#include "convkit/parallel.h"
#include "suite-workloads.h"

namespace {

using dnnl::memory;
using tag = memory::format_tag;

// Every buffer starts on a 64-byte boundary, as convkit's JS outputs do (lib/backend/native/
// output.ts) and as oneDNN allocates its own memory: std::vector's 16-byte alignment (glibc's
// chunk header) makes every 64-byte vector access touch two cache lines (a 112 x 112 x 32
// depthwise layer: 0.13 ms misaligned, 0.09 aligned).
template <class T>
struct aligned64 {
  using value_type = T;
  aligned64() = default;
  template <class U>
  aligned64(const aligned64<U>&) {}
  T* allocate(size_t n) {
    void* p = std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64);
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) { std::free(p); }
  template <class U>
  bool operator==(const aligned64<U>&) const { return true; }
  template <class U>
  bool operator!=(const aligned64<U>&) const { return false; }
};
using buffer = std::vector<float, aligned64<float>>;

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Times each function once per round after a warm-up of at least 100 ms each; medians.
std::vector<double> interleaved(const std::vector<std::function<void()>>& fns, int rounds) {
  for (const auto& f : fns) {
    const double t0 = now_ms();
    int n = 0;
    while (n < 3 || now_ms() - t0 < 100) { f(); ++n; }
  }
  std::vector<std::vector<double>> t(fns.size());
  for (int r = 0; r < rounds; ++r) {
    for (size_t i = 0; i < fns.size(); ++i) {
      const double t0 = now_ms();
      fns[i]();
      t[i].push_back(now_ms() - t0);
    }
  }
  std::vector<double> med;
  for (auto& v : t) {
    std::sort(v.begin(), v.end());
    med.push_back(v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]));
  }
  return med;
}

void fill(buffer& v, int seed) {
  uint32_t s = 2463534242u + seed;
  for (float& e : v) {
    s ^= s << 13; s ^= s >> 17; s ^= s << 5;
    e = static_cast<float>(s % 2001) / 1000.0f - 1.0f;
  }
}

float rel_diff(const buffer& a, const buffer& b) {
  float d = 0, m = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    d = std::max(d, std::fabs(a[i] - b[i]));
    m = std::max(m, std::fabs(a[i]));
  }
  return m > 0 ? d / m : d;
}

// One oneDNN convolution set up as its user would: the primitive, its weights reordered once,
// x and y in its layouts (with reorders from / to the caller's) or in the caller's own.
struct onednn_conv {
  dnnl::convolution_forward prim;
  memory src, wei, bias, dst;            // the primitive's
  memory user_src, user_dst;             // the caller's x and y
  bool reorder_src = false, reorder_dst = false;
  dnnl::reorder to_src, from_dst;
  std::string impl;

  void run(dnnl::stream& s, bool with_reorders) {
    if (with_reorders && reorder_src) to_src.execute(s, user_src, src);
    prim.execute(s, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_BIAS, bias}, {DNNL_ARG_DST, dst}});
    if (with_reorders && reorder_dst) from_dst.execute(s, dst, user_dst);
    s.wait();
  }
};

// user_layout: the primitive on the caller's layout (false: format `any`, oneDNN's choice).
// Null when oneDNN has no implementation for it.
std::unique_ptr<onednn_conv> make_onednn(dnnl::engine& eng, dnnl::stream& s, const bench::conv_workload& l,
                                         bool nhwc, dnnl::algorithm algo, bool user_layout,
                                         float* x, float* w, float* b, float* y) {
  const int64_t oh = (l.h + 2 * l.pad - l.r) / l.stride + 1, ow = (l.w + 2 * l.pad - l.s) / l.stride + 1;
  const memory::dims xd{l.n, l.c, l.h, l.w}, yd{l.n, l.k, oh, ow}, bd{l.k};
  const memory::dims wd = l.groups > 1 ? memory::dims{l.groups, l.k / l.groups, l.c / l.groups, l.r, l.s}
                                       : memory::dims{l.k, l.c, l.r, l.s};
  const tag act = nhwc ? tag::nhwc : tag::nchw;
  const tag wtag = l.groups > 1 ? (nhwc ? tag::gohwi : tag::goihw) : (nhwc ? tag::ohwi : tag::oihw);
  const auto f32 = memory::data_type::f32;
  const memory::desc xmd(xd, f32, user_layout ? act : tag::any), ymd(yd, f32, user_layout ? act : tag::any);
  const memory::desc wmd(wd, f32, tag::any), bmd(bd, f32, tag::x);
  auto c = std::make_unique<onednn_conv>();
  try {
    dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, algo, xmd, wmd, bmd, ymd,
                                      {l.stride, l.stride}, {l.pad, l.pad}, {l.pad, l.pad});
    dnnl::convolution_forward::primitive_desc pd(d, eng);
    c->impl = pd.impl_info_str();
    c->prim = dnnl::convolution_forward(pd);
    c->user_src = memory({xd, f32, act}, eng, x);
    c->user_dst = memory({yd, f32, act}, eng, y);
    memory user_wei({wd, f32, wtag}, eng, w);
    c->bias = memory(bmd, eng, b);
    c->wei = memory(pd.weights_desc(), eng);
    dnnl::reorder(user_wei, c->wei).execute(s, user_wei, c->wei);
    c->reorder_src = pd.src_desc() != c->user_src.get_desc();
    c->reorder_dst = pd.dst_desc() != c->user_dst.get_desc();
    c->src = c->reorder_src ? memory(pd.src_desc(), eng) : c->user_src;
    c->dst = c->reorder_dst ? memory(pd.dst_desc(), eng) : c->user_dst;
    if (c->reorder_src) c->to_src = dnnl::reorder(c->user_src, c->src);
    if (c->reorder_dst) c->from_dst = dnnl::reorder(c->dst, c->user_dst);
    s.wait();
  } catch (const dnnl::error&) {
    return nullptr;
  }
  return c;
}

void bench_conv(const char* filter, int rounds) {
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream s(eng);
  std::printf("\nconv2d forward with bias, ms (median of %d interleaved rounds); ratio = convkit / oneDNN\n", rounds);
  std::printf("%-11s %-4s %9s %9s %9s %7s %7s  %-9s  %s\n", "layer", "lay", "convkit", "dnnl own", "dnnl user",
              "/own", "/user", "max diff", "oneDNN implementation (own | user)");
  double log_own = 0, log_user = 0;
  int count = 0;
  for (const bench::conv_workload& l : bench::kSuiteConv) {
    if (std::strstr(l.name, filter) == nullptr) continue;
    for (int nhwc = 0; nhwc < 2; ++nhwc) {
      const int64_t oh = (l.h + 2 * l.pad - l.r) / l.stride + 1, ow = (l.w + 2 * l.pad - l.s) / l.stride + 1;
      convkit::conv2d_params p{l.n, l.c, l.h, l.w, l.k, oh, ow, l.r, l.s, l.stride, l.stride, l.pad, l.pad,
                               l.pad, l.pad, 1, 1, l.groups, nhwc ? convkit::layout::nhwc : convkit::layout::nchw,
                               true, convkit::activation::none};
      buffer x(convkit::conv2d_x_size(p)), w(convkit::conv2d_w_size(p)), b(l.k);
      buffer y(convkit::conv2d_y_size(p)), yd(y.size()), yu(y.size());
      fill(x, 1), fill(w, 2), fill(b, 3);
      buffer packed(std::max<int64_t>(1, convkit::conv2d_packed_size(p)));
      convkit::conv2d_prepack(p, w.data(), packed.data());
      auto ck = [&] { convkit::conv2d_packed(p, x.data(), w.data(), packed.data(), b.data(), y.data()); };

      // The faster algorithm for each form (own layout; user layout directly).
      std::unique_ptr<onednn_conv> own, direct;
      double own_ms = 1e30, direct_ms = 1e30;
      for (auto algo : {dnnl::algorithm::convolution_direct, dnnl::algorithm::convolution_auto}) {
        for (int user = 0; user < 2; ++user) {
          auto c = make_onednn(eng, s, l, nhwc, algo, user, x.data(), w.data(), b.data(), user ? yu.data() : yd.data());
          if (!c) continue;
          const double t = interleaved({[&] { c->run(s, false); }}, std::max(5, rounds / 4))[0];
          if (user ? t < direct_ms : t < own_ms) (user ? direct : own) = std::move(c), (user ? direct_ms : own_ms) = t;
        }
      }
      if (!own) {
        std::printf("%-11s %-4s oneDNN has no implementation\n", l.name, nhwc ? "nhwc" : "nchw");
        continue;
      }
      std::vector<std::function<void()>> fns{ck, [&] { own->run(s, false); }, [&] { own->run(s, true); }};
      if (direct) fns.push_back([&] { direct->run(s, false); });
      const std::vector<double> t = interleaved(fns, rounds);
      const bool via_direct = direct && t[3] < t[2];
      const double user_ms = via_direct ? t[3] : t[2];
      own->run(s, true);
      float diff = rel_diff(y, yd);
      if (direct) direct->run(s, false), diff = std::max(diff, rel_diff(y, yu));
      std::printf("%-11s %-4s %9.4f %9.4f %9.4f %7.2f %7.2f  %9.1e  %s | %s\n", l.name, nhwc ? "nhwc" : "nchw",
                  t[0], t[1], user_ms, t[0] / t[1], t[0] / user_ms, diff, own->impl.c_str(),
                  via_direct ? direct->impl.c_str() : "reorders + own");
      log_own += std::log(t[0] / t[1]), log_user += std::log(t[0] / user_ms), ++count;
    }
  }
  if (count > 0) {
    std::printf("geometric mean of convkit / oneDNN: own layout %.2f, user layout %.2f (%d rows)\n",
                std::exp(log_own / count), std::exp(log_user / count), count);
  }
}

void bench_gemm(const char* filter, int rounds) {
  std::printf("\nGEMM C = A B (row-major), ms (median of %d interleaved rounds), GFLOP/s\n", rounds);
  std::printf("%-8s %9s %9s %8s %8s %7s  %s\n", "shape", "convkit", "oneDNN", "GF ck", "GF dnnl", "ratio", "max diff");
  for (const bench::gemm_workload& g : bench::kSuiteGemm) {
    if (std::strstr(g.name, filter) == nullptr) continue;
    buffer a(g.m * g.k), b(g.k * g.n), c(g.m * g.n), cd(c.size());
    fill(a, 4), fill(b, 5);
    const int r = g.m * g.n * g.k > (int64_t{1} << 30) ? std::max(5, rounds / 4) : rounds;
    const std::vector<double> t = interleaved(
        {[&] { convkit::sgemm(false, false, g.m, g.n, g.k, 1.0f, a.data(), g.k, b.data(), g.n, 0.0f, c.data(), g.n); },
         [&] { dnnl_sgemm('N', 'N', g.m, g.n, g.k, 1.0f, a.data(), g.k, b.data(), g.n, 0.0f, cd.data(), g.n); }},
        r);
    const double gf = 2e-6 * g.m * g.n * g.k;
    std::printf("%-8s %9.4f %9.4f %8.1f %8.1f %7.2f  %9.1e\n", g.name, t[0], t[1], gf / t[0], gf / t[1],
                t[0] / t[1], rel_diff(c, cd));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* filter = "";
  int threads = 1, rounds = 41;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) rounds = std::atoi(argv[++i]);
    else filter = argv[i];
  }
  convkit::set_num_threads(threads);
  omp_set_num_threads(threads);
  const dnnl_version_t* v = dnnl_version();
  const char* wait = std::getenv("OMP_WAIT_POLICY");
  std::printf("onednn-peer: convkit isa %s, oneDNN %d.%d.%d (cpu runtime %s, OMP_WAIT_POLICY %s), %d thread(s)\n",
              convkit::isa_name(convkit::active_isa()), v->major, v->minor, v->patch,
              v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other", wait != nullptr ? wait : "unset", threads);
  bench_conv(filter, rounds);
  bench_gemm(filter, rounds);
  return 0;
}
