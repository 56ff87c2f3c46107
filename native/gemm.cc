#include "gemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "context.h"

#ifdef GS_HAVE_CBLAS
#include <cblas.h>
extern "C" void openblas_set_num_threads(int);
extern "C" char* openblas_get_corename(void);
#endif

namespace gs {

namespace {
#ifdef GS_HAVE_CBLAS
bool g_blas = true;
struct BlasInit {
  BlasInit() { openblas_set_num_threads(1); }
} blas_init;
#else
bool g_blas = false;
#endif

// Rows of C per chunk, so a big product checks for cancellation every ~16M
// multiply-adds while keeping each BLAS call large enough to be efficient.
int64_t rows_per_chunk(int64_t N, int64_t K) {
  int64_t work = std::max<int64_t>(1, N * K);
  return std::max<int64_t>(1, (int64_t{1} << 24) / work);
}

// Built-in kernel: i-k-j order over cache blocks; the inner j loop is a
// contiguous axpy the compiler vectorises.
template <class T>
void gemm_blocked(int64_t M, int64_t N, int64_t K, const T* A, const T* B, T* C) {
  constexpr int64_t MB = 64, KB = 256, NB = 512;
  std::fill(C, C + M * N, T{0});
  for (int64_t j0 = 0; j0 < N; j0 += NB) {
    const int64_t j1 = std::min(N, j0 + NB);
    for (int64_t k0 = 0; k0 < K; k0 += KB) {
      const int64_t k1 = std::min(K, k0 + KB);
      for (int64_t i0 = 0; i0 < M; i0 += MB) {
        const int64_t i1 = std::min(M, i0 + MB);
        for (int64_t i = i0; i < i1; ++i) {
          T* c = C + i * N;
          const T* a = A + i * K;
          for (int64_t k = k0; k < k1; ++k) {
            const T av = a[k];
            const T* b = B + k * N;
            for (int64_t j = j0; j < j1; ++j) c[j] += av * b[j];
          }
        }
      }
    }
  }
}

template <class T>
void gemm_chunk(int64_t M, int64_t N, int64_t K, const T* A, const T* B, T* C) {
#ifdef GS_HAVE_CBLAS
  if (g_blas) {
    if constexpr (std::is_same_v<T, float>) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), 1.0f, A,
                  static_cast<int>(K), B, static_cast<int>(N), 0.0f, C, static_cast<int>(N));
      return;
    } else if constexpr (std::is_same_v<T, double>) {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), 1.0, A,
                  static_cast<int>(K), B, static_cast<int>(N), 0.0, C, static_cast<int>(N));
      return;
    }
  }
#endif
  gemm_blocked(M, N, K, A, B, C);
}
}  // namespace

bool blas_available() {
#ifdef GS_HAVE_CBLAS
  return true;
#else
  return false;
#endif
}
bool blas_enabled() { return g_blas; }
const char* blas_core() {
#ifdef GS_HAVE_CBLAS
  return openblas_get_corename();
#else
  return "none";
#endif
}
void set_blas_enabled(bool on) { g_blas = on && blas_available(); }

template <class T>
void gemm(int64_t M, int64_t N, int64_t K, const T* A, const T* B, T* C) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    std::fill(C, C + M * N, T{0});
    return;
  }
  const int64_t step = rows_per_chunk(N, K);
  for (int64_t i = 0; i < M; i += step) {
    ctx().check_cancel();
    const int64_t m = std::min(step, M - i);
    gemm_chunk<T>(m, N, K, A + i * K, B, C + i * N);
  }
}

template void gemm<float>(int64_t, int64_t, int64_t, const float*, const float*, float*);
template void gemm<double>(int64_t, int64_t, int64_t, const double*, const double*, double*);
template void gemm<int64_t>(int64_t, int64_t, int64_t, const int64_t*, const int64_t*, int64_t*);

}  // namespace gs
