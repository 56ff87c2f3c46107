// General matrix multiply C = op(A) * op(B) on row-major matrices, where
// op(X) is X or its transpose. Uses OpenBLAS (cblas) when the build found it
// and it is enabled at run time; otherwise a packed, cache-blocked kernel of
// our own with register-tiled micro-kernels (AVX-512, AVX2+FMA, or portable
// C++), chosen at run time from the CPU's features. BLAS runs on one thread:
// the worker pool is the parallelism. Both paths check for cancellation (the
// job's flag and deadline) between blocks of work.
#pragma once
#include <cstdint>

namespace gs {

bool blas_available();
bool blas_enabled();
void set_blas_enabled(bool on);  // no effect when BLAS was not built in
const char* blas_core();         // OpenBLAS's kernel family, e.g. "SkylakeX"; "none" without BLAS
// The built-in kernel family the CPU selected: "avx512", "avx2" or "generic".
const char* builtin_gemm_kernel();

// GFLOP/s of an n x n x n float32 product with each backend, the best of
// `reps` timed runs after one warm-up (blas is 0 when BLAS was not built in).
// For choosing the backend at start-up (src/gemm-choice.ts).
struct GemmSpeeds {
  double builtin;
  double blas;
};
GemmSpeeds measure_gemm_speeds(int64_t n, int reps);

// C[M x N] = op(A)[M x K] * op(B)[K x N]. op(A)(i, k) is A[i * lda + k], or
// A[k * lda + i] when trans_a; op(B)(k, j) is B[k * ldb + j], or
// B[j * ldb + k] when trans_b. C's rows are ldc apart. C is overwritten (its
// previous contents are never read); K == 0 gives zeros. C must not overlap A
// or B.
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb, T* C,
          int64_t ldc);

// Contiguous, untransposed operands: A is M x K, B is K x N, C is M x N.
template <class T>
inline void gemm(int64_t M, int64_t N, int64_t K, const T* A, const T* B, T* C) {
  gemm<T>(false, false, M, N, K, A, K, B, N, C, N);
}

}  // namespace gs
