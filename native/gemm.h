// General matrix multiply C = A * B on contiguous row-major matrices. Uses
// OpenBLAS (cblas) when the build found it and it is enabled at run time;
// otherwise a cache-blocked kernel of our own. BLAS runs on one thread: the
// worker pool is the parallelism.
#pragma once
#include <cstdint>

namespace gs {

bool blas_available();
bool blas_enabled();
void set_blas_enabled(bool on);  // no effect when BLAS was not built in
const char* blas_core();         // OpenBLAS's kernel family, e.g. "SkylakeX"; "none" without BLAS

template <class T>
void gemm(int64_t M, int64_t N, int64_t K, const T* A, const T* B, T* C);

}  // namespace gs
