// Direct check of gs::gemm (native/gemm.cc) against a double-precision triple
// loop: every transpose combination, padded leading dimensions, edge sizes,
// float32/float64/int64, BLAS on and off. Built and run by gemm-kernels.test.ts
// (once per built-in kernel family, chosen with GS_GEMM_KERNEL). Prints one
// line per failure and "checked N bad B kernel K" at the end; exit 1 on failure.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <vector>

#include "gemm.h"

namespace {

uint64_t rng = 88172645463325252ull;
int64_t next_int(int64_t lo, int64_t hi) {  // in [lo, hi]
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return lo + static_cast<int64_t>(rng % static_cast<uint64_t>(hi - lo + 1));
}

template <class T>
int check(int64_t M, int64_t N, int64_t K, bool ta, bool tb, bool blas) {
  // Leading dimensions wider than the matrices, and a sentinel around C.
  const int64_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 1, ldc = N + 2;
  std::vector<T> a(static_cast<size_t>((ta ? K : M) * lda + 1)), b(static_cast<size_t>((tb ? N : K) * ldb + 1));
  std::vector<T> c(static_cast<size_t>(M * ldc + 1), T(777));
  // Small integers: every product and sum is exact in float32 for these sizes.
  for (auto& x : a) x = static_cast<T>(next_int(-4, 4));
  for (auto& x : b) x = static_cast<T>(next_int(-3, 3));
  gs::set_blas_enabled(blas);
  gs::gemm<T>(ta, tb, M, N, K, a.data(), lda, b.data(), ldb, c.data(), ldc);
  int bad = 0;
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k)
        s += static_cast<double>(ta ? a[k * lda + i] : a[i * lda + k]) * static_cast<double>(tb ? b[j * ldb + k] : b[k * ldb + j]);
      if (static_cast<double>(c[i * ldc + j]) != s) ++bad;
    }
    for (int64_t j = N; j < ldc; ++j)
      if (c[i * ldc + j] != T(777)) ++bad;  // wrote past a row
  }
  if (c[M * ldc] != T(777)) ++bad;
  if (bad)
    std::printf("BAD %s M=%lld N=%lld K=%lld ta=%d tb=%d blas=%d: %d wrong\n", sizeof(T) == 4 ? "f32" : std::is_integral_v<T> ? "i64" : "f64",
                static_cast<long long>(M), static_cast<long long>(N), static_cast<long long>(K), ta, tb, blas, bad);
  return bad ? 1 : 0;
}

template <class T>
int all_flags(int64_t M, int64_t N, int64_t K, int& checked) {
  int bad = 0;
  for (int f = 0; f < 4; ++f)
    for (int blas = 0; blas < 2; ++blas) {
      bad += check<T>(M, N, K, f & 1, f >> 1, blas != 0);
      ++checked;
    }
  return bad;
}

}  // namespace

int main() {
  const int64_t edge[] = {1, 7, 17, 33, 65, 129, 257};
  int bad = 0, checked = 0;
  // Every edge size in every position for float32 and float64; int64 on a subset.
  for (int64_t M : edge)
    for (int64_t N : edge)
      for (int64_t K : edge) {
        if (M * N * K > 300000 && !(M == 257 && N == 257 && K == 257)) continue;
        bad += all_flags<float>(M, N, K, checked);
        bad += all_flags<double>(M, N, K, checked);
        if (M * N * K <= 40000) bad += all_flags<int64_t>(M, N, K, checked);
      }
  // Several cache blocks in each dimension (K past one KC slice, N past NC, M past MC).
  bad += all_flags<float>(300, 1100, 40, checked);
  bad += all_flags<float>(40, 90, 600, checked);
  bad += all_flags<double>(200, 600, 300, checked);
  // Matrix-vector products large enough for several cancellation chunks.
  bad += all_flags<float>(3000, 1, 1500, checked) + all_flags<float>(1, 3000, 1500, checked);
  bad += all_flags<double>(1500, 1, 3000, checked) + all_flags<double>(1, 1500, 3000, checked);
  // Random shapes.
  for (int r = 0; r < 40; ++r) {
    const int64_t M = next_int(1, 150), N = next_int(1, 150), K = next_int(1, 300);
    bad += all_flags<float>(M, N, K, checked);
    bad += all_flags<double>(M, N, K, checked);
  }
  // Empty products: nothing written for M or N == 0, zeros for K == 0.
  bad += all_flags<float>(0, 5, 5, checked) + all_flags<float>(5, 0, 5, checked) + all_flags<float>(5, 6, 0, checked);
  bad += all_flags<double>(3, 70, 0, checked) + all_flags<int64_t>(4, 4, 0, checked);
  std::printf("checked %d bad %d kernel %s blas %s\n", checked, bad, gs::builtin_gemm_kernel(), gs::blas_available() ? "yes" : "no");
  return bad ? 1 : 0;
}
