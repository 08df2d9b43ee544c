// sbgemm (bf16 operands, fp32 accumulation) against sbgemm_ref (the same rounding, double
// sums): every transpose pair, odd K (the last pair half padding), ragged M / N tiles, several
// k blocks, alpha / beta, C's leading-dimension gaps untouched; and float_to_bf16 against the
// hardware's rules (nearest even, denormals to zero, NaN quiet). The suite runs at each ISA
// level: AVX-512 with AVX512_BF16 runs the bf16 kernels, the others the emulated path.
#include <cmath>
#include <cstring>
#include <limits>

#include "configs/conv2d-config.h"
#include "convkit/sbgemm.h"
#include "harness.h"

using test::guarded;

namespace {

uint32_t bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  return u;
}
float from_bits(uint32_t u) {
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

void check_sbgemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, float beta, int64_t pad = 0) {
  const int64_t a_rows = ta ? k : m, a_cols = ta ? m : k, b_rows = tb ? n : k, b_cols = tb ? k : n;
  const int64_t lda = a_cols + pad, ldb = b_cols + pad, ldc = n + pad;
  const size_t na = (a_rows - 1) * lda + a_cols, nb = (b_rows - 1) * ldb + b_cols, nc = (m - 1) * ldc + n;
  const auto av = test::rand_vec(na), bv = test::rand_vec(nb), cv = test::rand_vec(nc);
  guarded a(na), b(nb), c(nc);
  a.copy_from(av);
  b.copy_from(bv);
  c.copy_from(cv);
  std::vector<float> want = cv, bound(nc);
  convkit::sbgemm_ref(ta, tb, m, n, k, alpha, av.data(), lda, bv.data(), ldb, beta, want.data(), ldc);
  std::vector<float> aa(av), ab(bv);
  for (auto& x : aa) x = std::fabs(x);
  for (auto& x : ab) x = std::fabs(x);
  for (size_t i = 0; i < nc; ++i) bound[i] = std::fabs(cv[i]);
  convkit::sbgemm_ref(ta, tb, m, n, k, std::fabs(alpha), aa.data(), lda, ab.data(), ldb, std::fabs(beta), bound.data(), ldc);
  convkit::sbgemm(ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
  char name[96];
  std::snprintf(name, sizeof name, "sbgemm %s%s m%ld n%ld k%ld", ta ? "T" : "N", tb ? "T" : "N", (long)m, (long)n, (long)k);
  for (int64_t i = 0; i < m; ++i) {
    if (!test::close(name, c.data() + i * ldc, want.data() + i * ldc, bound.data() + i * ldc, n, k + 1)) return;
    for (int64_t j = n; i + 1 < m && j < ldc; ++j) {
      CHECK(bits(c[i * ldc + j]) == bits(cv[i * ldc + j]), "%s: ldc gap written at %ld, %ld", name, (long)i, (long)j);
    }
  }
}

}  // namespace

TEST(bf16_rounding_rules) {
  using convkit::float_to_bf16;
  CHECK(float_to_bf16(1.0f) == 0x3f80, "1.0");
  CHECK(float_to_bf16(from_bits(0x3f808000)) == 0x3f80, "tie to even (down)");
  CHECK(float_to_bf16(from_bits(0x3f818000)) == 0x3f82, "tie to even (up)");
  CHECK(float_to_bf16(from_bits(0x3f808001)) == 0x3f81, "above the tie");
  CHECK(float_to_bf16(-0.0f) == 0x8000, "-0");
  CHECK(float_to_bf16(from_bits(0x00000001)) == 0x0000, "denormal to +0");
  CHECK(float_to_bf16(from_bits(0x807fffff)) == 0x8000, "denormal to -0");
  CHECK(float_to_bf16(std::numeric_limits<float>::infinity()) == 0x7f80, "inf");
  CHECK(float_to_bf16(std::numeric_limits<float>::max()) == 0x7f80, "FLT_MAX rounds to inf");
  CHECK((float_to_bf16(from_bits(0x7f800001)) & 0x7fc0) == 0x7fc0, "signalling NaN made quiet");
  CHECK(convkit::bf16_round(3.14159265f) == 3.140625f, "pi to 8 bits");
}

TEST(bf16_round_array_matches_the_scalar_rounding) {
  std::vector<float> x = test::rand_vec(1000, -3e3f, 3e3f);
  const uint32_t special[] = {0x3f808000, 0x3f818000, 0x3f808001, 0x80000000, 0x00000001, 0x807fffff, 0x7f800000,
                              0xff800000, 0x7f7fffff, 0x7f800001, 0xffc00001, 0x00800000, 0x3f7fffff, 0x477fffff};
  for (size_t i = 0; i < sizeof special / 4; ++i) x[i * 37] = from_bits(special[i]);
  for (const int64_t n : {int64_t{1}, int64_t{15}, int64_t{17}, int64_t{1000}}) {
    std::vector<float> y(static_cast<size_t>(n), 12345.0f);
    convkit::bf16_round_array(n, x.data(), y.data());
    for (int64_t i = 0; i < n; ++i) {
      const float want = convkit::bf16_round(x[i]);
      const bool same = std::isnan(want) ? std::isnan(y[i]) : bits(y[i]) == bits(want);
      if (!same) {
        CHECK(false, "n %ld at %ld: %08x -> %08x, want %08x", (long)n, (long)i, bits(x[i]), bits(y[i]), bits(want));
        break;
      }
    }
  }
}

TEST(sbgemm_shapes) {
  std::printf("  sbgemm runs %s\n", convkit::sbgemm_native() ? "bf16 instructions" : "emulated (fp32 GEMM of rounded operands)");
  for (int t = 0; t < 4; ++t) {
    const bool ta = t & 1, tb = t & 2;
    check_sbgemm(ta, tb, 1, 1, 1, 1.0f, 0.0f);
    check_sbgemm(ta, tb, 8, 32, 2, 1.0f, 0.0f);
    check_sbgemm(ta, tb, 7, 33, 3, 1.0f, 0.0f);       // ragged tiles, odd K
    check_sbgemm(ta, tb, 17, 45, 129, -0.5f, 0.75f, 3);  // ld gaps, alpha, beta
    check_sbgemm(ta, tb, 64, 64, 1001, 1.0f, 1.0f);   // several k blocks, odd K
    check_sbgemm(ta, tb, 300, 97, 64, 2.0f, 0.0f);    // several m blocks
  }
}

TEST(sbgemm_large_threaded) {
  check_sbgemm(false, false, 257, 300, 520, 1.0f, 0.0f);
  check_sbgemm(false, true, 333, 129, 777, 1.0f, 0.5f);
}

TEST(sbgemm_beta_zero_ignores_nan_c) {
  const int64_t m = 9, n = 40, k = 5;
  std::vector<float> a = test::rand_vec(m * k), b = test::rand_vec(k * n), c(m * n, std::nanf("")), want(m * n);
  convkit::sbgemm(false, false, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c.data(), n);
  convkit::sbgemm_ref(false, false, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, want.data(), n);
  CHECK(test::close("beta 0, NaN C", c.data(), want.data(), nullptr, m * n, k + 1), "%s", "beta 0, NaN C");
}

TEST(sbgemm_differs_from_fp32_as_bf16_does) {
  // 1 + 2^-10 is not a bf16 value: a 1x1x1 product shows the rounding of both operands.
  const float a = 1.0f + 1.0f / 1024, b = 3.0f;
  float c = 0.0f;
  convkit::sbgemm(false, false, 1, 1, 1, 1.0f, &a, 1, &b, 1, 0.0f, &c, 1);
  CHECK(c == 3.0f, "got %.9g", c);
}

TEST(sbgemm_prepacked_b_is_bit_exact) {
  for (int t = 0; t < 4; ++t) {
    const bool ta = t & 1, tb = t & 2;
    const int64_t m = 77, n = 45, k = 403;
    const auto a = test::rand_vec(m * k), b = test::rand_vec(k * n);
    std::vector<float> bp(static_cast<size_t>(convkit::sbgemm_packed_b_size(n, k))), c0(m * n), c1(m * n);
    CHECK(bp.empty() != convkit::sbgemm_native(), "packed size %zu", bp.size());
    convkit::sbgemm_pack_b(tb, n, k, b.data(), tb ? k : n, bp.data());
    convkit::sbgemm(ta, tb, m, n, k, 1.0f, a.data(), ta ? m : k, b.data(), tb ? k : n, 0.0f, c0.data(), n);
    convkit::sbgemm_prepacked_b(ta, tb, m, n, k, 1.0f, a.data(), ta ? m : k, b.data(), tb ? k : n,
                                bp.empty() ? nullptr : bp.data(), 0.0f, c1.data(), n);
    CHECK(std::memcmp(c0.data(), c1.data(), c0.size() * 4) == 0, "prepacked differs (ta %d tb %d)", (int)ta, (int)tb);
  }
}

// With an epilogue (gemm_epilogue), any alpha and beta: the bits of the product followed by the
// conv config's epilogue pass; full tiles finished in registers, the partial ones (77 rows, 45
// columns) by the pass, over several k blocks.
TEST(sbgemm_prepacked_b_epilogue_is_bit_exact) {
  using convkit::activation;
  const int64_t m = 77, n = 45, k = 403;
  for (int t = 0; t < 4; ++t) {
    for (activation act : {activation::none, activation::relu, activation::sigmoid}) {
      const bool ta = t & 1, tb = t & 2;
      const auto a = test::rand_vec(m * k), b = test::rand_vec(k * n), bias = test::rand_vec(n), res = test::rand_vec(m * n);
      const auto c_in = test::rand_vec(m * n);
      std::vector<float> bp(static_cast<size_t>(convkit::sbgemm_packed_b_size(n, k))), c0(c_in), c1(c_in);
      convkit::sbgemm_pack_b(tb, n, k, b.data(), tb ? k : n, bp.data());
      const auto rows = convkit::get_conv2d_config().epilogue_rows;
      convkit::sbgemm(ta, tb, m, n, k, -0.5f, a.data(), ta ? m : k, b.data(), tb ? k : n, 0.75f, c0.data(), n);
      rows(c0.data(), m, n, n, bias.data(), false, res.data(), act);
      const convkit::gemm_epilogue epi{bias.data(), res.data(), act, rows};
      convkit::sbgemm_prepacked_b(ta, tb, m, n, k, -0.5f, a.data(), ta ? m : k, b.data(), tb ? k : n,
                                  bp.empty() ? nullptr : bp.data(), 0.75f, c1.data(), n, &epi);
      CHECK(std::memcmp(c0.data(), c1.data(), c0.size() * 4) == 0, "epilogue differs (ta %d tb %d act %d)", (int)ta,
            (int)tb, static_cast<int>(act));
    }
  }
}

int main() { return test::run_all("sbgemm-test"); }
