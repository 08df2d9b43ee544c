// sgemm(a, b, c, info) and sgemmAsync (info: GemmInfo, BLAS's scalars), sbgemm / sbgemmAsync
// (the same on bf16-rounded operands, convkit/sbgemm.h), and the batched matmul(a, b, y, info):
// argument checks (leading dimensions, buffer extents), the arrays bound (arrays.h), then the
// core's kernel. C must not overlap A or B (a RangeError, as on the ts backend).
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "async.h"
#include "check.h"
#include "convkit/gemm.h"
#include "convkit/qgemm.h"
#include "convkit/sbgemm.h"
#include "glue.h"
#include "info-fields.h"

namespace convkit::glue {
namespace {

// A rows x cols matrix with row stride ld needs (rows-1)*ld + cols elements; returns that
// extent (0 for an empty matrix).
int64_t check_matrix(Napi::Env env, const char* op, const f32_view& v, const char* name, const char* ld_name,
                     int64_t rows, int64_t cols, int64_t ld) {
  if (ld < std::max<int64_t>(1, cols)) {
    throw_range_error(env, op, std::string(ld_name) + " is " + std::to_string(ld) + " but must be at least " +
                                    std::to_string(std::max<int64_t>(1, cols)));
  }
  if (rows == 0 || cols == 0) return 0;
  int64_t need;
  if (__builtin_mul_overflow(rows - 1, ld, &need) || __builtin_add_overflow(need, cols, &need)) {
    throw_range_error(env, op, std::string(name) + " extent overflows");
  }
  if (v.length < need) {
    throw_range_error(env, op, std::string(name) + " has " + std::to_string(v.length) + " elements but needs at least " +
                                    std::to_string(need) + " (" + std::to_string(rows) + " rows of " +
                                    std::to_string(cols) + ", " + ld_name + " " + std::to_string(ld) + ")");
  }
  return need;
}

using gemm_kernel = void (*)(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*,
                            int64_t, float, float*, int64_t);

// sgemm(a, b, c, info): info = { transA, transB, m, n, k, alpha, beta, lda, ldb, ldc } (GemmInfo)
// or its packed form (info-fields.h). The whole info first (its getters may run JS), then the
// arrays. kernel: convkit::sgemm or convkit::sbgemm (op names it).
// max_k: the largest K the kernel takes (qgemm's int32 sums), else any.
template <gemm_kernel kernel>
std::function<void()> parse(const Napi::CallbackInfo& info, call_arrays& arrays, const char* op,
                            int64_t max_k = -1) {
  Napi::Env env = info.Env();
  if (info.Length() < 4) {
    throw_type_error(env, op, "expected (a, b, c, info), got " + std::to_string(info.Length()) + " arguments");
  }
  const info_fields f(env, info[3], op, kGemmInfo);
  const bool ta = f.boolean(kTransA);
  const bool tb = f.boolean(kTransB);
  const int64_t m = f.integer(kM, 0);
  const int64_t n = f.integer(kN, 0);
  const int64_t k = f.integer(kK, 0);
  if (max_k >= 0 && k > max_k) {
    throw_range_error(env, op, "k is " + std::to_string(k) + " but int8 sums take at most " + std::to_string(max_k));
  }
  const float alpha = static_cast<float>(f.number(kAlpha));
  const float beta = static_cast<float>(f.number(kBeta));
  const int64_t lda = f.integer(kLda, 1);
  const int64_t ldb = f.integer(kLdb, 1);
  const int64_t ldc = f.integer(kLdc, 1);
  const f32_view a = float_array(env, info[0], op, "a");
  const f32_view b = float_array(env, info[1], op, "b");
  const f32_view c = float_array(env, info[2], op, "c");
  const int64_t na = check_matrix(env, op, a, "a", "lda", ta ? k : m, ta ? m : k, lda);
  const int64_t nb = check_matrix(env, op, b, "b", "ldb", tb ? n : k, tb ? k : n, ldb);
  const int64_t nc = check_matrix(env, op, c, "c", "ldc", m, n, ldc);
  // With k == 0 sgemm reads neither A nor B.
  const float* ad = arrays.in("a", a, k == 0 ? 0 : na);
  const float* bd = arrays.in("b", b, k == 0 ? 0 : nb);
  float* cd = arrays.out("c", c, nc, beta != 0.0f);
  arrays.check_overlap(env, op);
  return [=] { kernel(ta, tb, m, n, k, alpha, ad, lda, bd, ldb, beta, cd, ldc); };
}

// matmul(a, b, y, info): info = { m, n, k, aOffsets, bOffsets } (MatmulInfo): batch t is
// y[t*m*n ..] = a[aOffsets[t] ..] (m x k) @ b[bOffsets[t] ..] (k x n), all in one job.
std::function<void()> parse_matmul(const Napi::CallbackInfo& info, call_arrays& arrays) {
  Napi::Env env = info.Env();
  const char* op = "matmul";
  if (info.Length() < 4) {
    throw_type_error(env, op, "expected (a, b, y, info), got " + std::to_string(info.Length()) + " arguments");
  }
  // The whole info first (its getters may run JS), then the arrays.
  const Napi::Object o = info_object(env, info[3], op);
  const int64_t m = int_field(env, o, op, "m", 0), n = int_field(env, o, op, "n", 0), k = int_field(env, o, op, "k", 0);
  // Float64Arrays: reading them runs no JS, and the copy is no larger than the caller's array.
  auto offsets = [&](const char* name) {
    const Napi::Value v = o.Get(name);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      throw_type_error(env, op, std::string("info.") + name + " must be a Float64Array of offsets, got " + describe(v));
    }
    const Napi::Float64Array arr = v.As<Napi::Float64Array>();
    std::vector<int64_t> out(arr.ElementLength());
    for (size_t t = 0; t < out.size(); ++t) {
      const double d = arr[t];
      if (!(d >= 0 && d <= static_cast<double>(kMaxElements)) || d != std::floor(d)) {
        throw_range_error(env, op, std::string("info.") + name + "[" + std::to_string(t) + "] must be a whole number in [0, 2^53), got " +
                                       std::to_string(d));
      }
      out[t] = static_cast<int64_t>(d);
    }
    return out;
  };
  const std::vector<int64_t> ao = offsets("aOffsets"), bo = offsets("bOffsets");
  if (ao.size() != bo.size()) {
    throw_range_error(env, op, "info.aOffsets has " + std::to_string(ao.size()) + " batches but info.bOffsets " +
                                   std::to_string(bo.size()));
  }
  const int64_t batches = static_cast<int64_t>(ao.size());
  const int64_t ny = checked_product(env, op, "y", {batches, m, n});
  const int64_t ea = checked_product(env, op, "a's batch", {m, k}), eb = checked_product(env, op, "b's batch", {k, n});
  const f32_view a = float_array(env, info[0], op, "a");
  const f32_view b = float_array(env, info[1], op, "b");
  const bool fresh_y = arrays.async() && info[2].IsNull();  // async: y = null allocates the output
  const f32_view y = fresh_y ? f32_view{} : float_array(env, info[2], op, "y");
  if (!fresh_y) require_length(env, op, y, "y", ny);
  int64_t na = 0, nb = 0;  // the extents the batches read
  for (int64_t t = 0; t < batches; ++t) {
    if (ao[t] + ea > a.length || bo[t] + eb > b.length) {
      throw_range_error(env, op, "batch " + std::to_string(t) + " reads past a (" + std::to_string(a.length) + " elements) or b (" +
                                     std::to_string(b.length) + "): offsets " + std::to_string(ao[t]) + ", " + std::to_string(bo[t]));
    }
    na = std::max(na, ao[t] + ea);
    nb = std::max(nb, bo[t] + eb);
  }
  const float* ad = arrays.in("a", a, k == 0 ? 0 : na);
  const float* bd = arrays.in("b", b, k == 0 ? 0 : nb);
  float* yd = fresh_y ? arrays.fresh(env, "y", ny) : arrays.out("y", y, ny);
  arrays.check_overlap(env, op);
  return [=] {
    for (int64_t t = 0; t < batches; ++t) {
      convkit::sgemm(false, false, m, n, k, 1.0f, ad + ao[t], std::max<int64_t>(k, 1), bd + bo[t],
                     std::max<int64_t>(n, 1), 0.0f, yd + t * m * n, std::max<int64_t>(n, 1));
    }
  };
}

}  // namespace

Napi::Value js_matmul(const Napi::CallbackInfo& info) {
  return run_sync_call(info.Env(), "matmul", [&](call_arrays& a) { return parse_matmul(info, a); });
}

Napi::Value js_matmul_async(const Napi::CallbackInfo& info) {
  return run_async(info.Env(), "matmul", [&](call_arrays& a) { return parse_matmul(info, a); });
}

Napi::Value js_sgemm(const Napi::CallbackInfo& info) {
  return run_sync_call(info.Env(), "sgemm", [&](call_arrays& a) { return parse<convkit::sgemm>(info, a, "sgemm"); });
}

Napi::Value js_sgemm_async(const Napi::CallbackInfo& info) {
  return run_async(info.Env(), "sgemm", [&](call_arrays& a) { return parse<convkit::sgemm>(info, a, "sgemm"); });
}

Napi::Value js_sbgemm(const Napi::CallbackInfo& info) {
  return run_sync_call(info.Env(), "sbgemm", [&](call_arrays& a) { return parse<convkit::sbgemm>(info, a, "sbgemm"); });
}

Napi::Value js_sbgemm_async(const Napi::CallbackInfo& info) {
  return run_async(info.Env(), "sbgemm", [&](call_arrays& a) { return parse<convkit::sbgemm>(info, a, "sbgemm"); });
}

// qgemm with sgemm's signature (parse checks K against the limit first, so it always runs).
void qgemm_kernel(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                  const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  convkit::qgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

Napi::Value js_qgemm(const Napi::CallbackInfo& info) {
  return run_sync_call(info.Env(), "qgemm",
                       [&](call_arrays& a) { return parse<qgemm_kernel>(info, a, "qgemm", convkit::kQgemmMaxK); });
}

Napi::Value js_qgemm_async(const Napi::CallbackInfo& info) {
  return run_async(info.Env(), "qgemm",
                   [&](call_arrays& a) { return parse<qgemm_kernel>(info, a, "qgemm", convkit::kQgemmMaxK); });
}

}  // namespace convkit::glue
