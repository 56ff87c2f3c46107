#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <vector>

#include "context.h"

#ifdef GS_HAVE_CBLAS
#include <cblas.h>
extern "C" void openblas_set_num_threads(int);
extern "C" char* openblas_get_corename(void);
#endif

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define GS_GEMM_X86 1
#include <immintrin.h>
#else
#define GS_GEMM_X86 0
#endif

namespace gs {

namespace {
// Read by every worker thread's products, set from the main thread
// (setBlas, the start-up choice): atomic, relaxed (a plain load on x86).
#ifdef GS_HAVE_CBLAS
std::atomic<bool> g_blas{true};
struct BlasInit {
  BlasInit() { openblas_set_num_threads(1); }
} blas_init;
#else
std::atomic<bool> g_blas{false};
#endif

// ---------------------------------------------------------------------------
// Built-in GEMM: the classic packed, cache-blocked scheme (Goto / BLIS).
//
//   for each NC-wide panel of columns of C
//     for each KC-deep slice of K
//       pack op(B)[KC x NC] into NR-wide slivers (k-major, contiguous)
//       for each MC-tall block of rows of C          <- cancellation check
//         pack op(A)[MC x KC] into MR-tall slivers (k-major, contiguous)
//         for each NR sliver of B (stays in L1), each MR sliver of A (in L2)
//           micro-kernel: an MR x NR tile of C held in registers, KC rank-1
//           updates from the two slivers, then stored (added after the
//           first K slice).
//
// Packing makes every operand access unit-stride whatever the transposes
// and zero-pads the edges, so the micro-kernels only ever see full tiles;
// edge tiles of C go through a small buffer. The micro-kernels are the only
// ISA-specific code: AVX-512 and AVX2+FMA versions (compiled for those
// targets with function attributes, chosen at run time) and a portable one.
// ---------------------------------------------------------------------------

// tile = op(A) sliver * op(B) sliver over kc; written to c (rows ldc apart),
// or added to it when `accumulate`.
template <class T>
using MicroKernel = void (*)(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool accumulate);

template <class T>
struct KernelSpec {
  MicroKernel<T> fn;
  int mr, nr;          // register tile
  int64_t kc, mc, nc;  // cache blocks (mc a multiple of mr, nc of nr)
};

// Portable micro-kernel: the compiler vectorises the j loops for the
// baseline ISA (SSE2 on x86-64, NEON on arm64).
template <class T, int MR, int NR>
void micro_generic(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool accumulate) {
  T acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < MR; ++i) {
      const T av = a[i];
      for (int j = 0; j < NR; ++j) acc[i][j] += av * b[j];
    }
    a += MR;
    b += NR;
  }
  for (int i = 0; i < MR; ++i) {
    T* ci = c + i * ldc;
    if (accumulate)
      for (int j = 0; j < NR; ++j) ci[j] += acc[i][j];
    else
      for (int j = 0; j < NR; ++j) ci[j] = acc[i][j];
  }
}

#if GS_GEMM_X86
// One body per ISA: MR rows x NV vectors of W lanes. The accumulator array
// is fully unrolled into registers (24 zmm for AVX-512, 12 ymm for AVX2).
#define GS_MICRO_KERNEL(NAME, TARGET, T, V, W, LOADU, STOREU, SET1, FMADD, ADD, ZERO)                 \
  template <int MR, int NV>                                                                          \
  __attribute__((target(TARGET))) void NAME(int64_t kc, const T* a, const T* b, T* c, int64_t ldc,     \
                                            bool accumulate) {                                       \
    V acc[MR][NV];                                                                                   \
    _Pragma("GCC unroll 16") for (int i = 0; i < MR; ++i)                                             \
      _Pragma("GCC unroll 4") for (int v = 0; v < NV; ++v) acc[i][v] = ZERO();                       \
    for (int64_t k = 0; k < kc; ++k) {                                                               \
      V bv[NV];                                                                                      \
      _Pragma("GCC unroll 4") for (int v = 0; v < NV; ++v) bv[v] = LOADU(b + v * W);                 \
      _Pragma("GCC unroll 16") for (int i = 0; i < MR; ++i) {                                         \
        const V av = SET1(a[i]);                                                                     \
        _Pragma("GCC unroll 4") for (int v = 0; v < NV; ++v) acc[i][v] = FMADD(av, bv[v], acc[i][v]); \
      }                                                                                              \
      a += MR;                                                                                       \
      b += NV * W;                                                                                   \
    }                                                                                                \
    _Pragma("GCC unroll 16") for (int i = 0; i < MR; ++i) {                                           \
      T* ci = c + i * ldc;                                                                           \
      _Pragma("GCC unroll 4") for (int v = 0; v < NV; ++v) {                                         \
        V r = acc[i][v];                                                                             \
        if (accumulate) r = ADD(r, LOADU(ci + v * W));                                               \
        STOREU(ci + v * W, r);                                                                       \
      }                                                                                              \
    }                                                                                                \
  }

GS_MICRO_KERNEL(micro_avx512_f32, "avx512f", float, __m512, 16, _mm512_loadu_ps, _mm512_storeu_ps, _mm512_set1_ps,
                _mm512_fmadd_ps, _mm512_add_ps, _mm512_setzero_ps)
GS_MICRO_KERNEL(micro_avx512_f64, "avx512f", double, __m512d, 8, _mm512_loadu_pd, _mm512_storeu_pd, _mm512_set1_pd,
                _mm512_fmadd_pd, _mm512_add_pd, _mm512_setzero_pd)
GS_MICRO_KERNEL(micro_avx2_f32, "avx2,fma", float, __m256, 8, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps,
                _mm256_fmadd_ps, _mm256_add_ps, _mm256_setzero_ps)
GS_MICRO_KERNEL(micro_avx2_f64, "avx2,fma", double, __m256d, 4, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_set1_pd,
                _mm256_fmadd_pd, _mm256_add_pd, _mm256_setzero_pd)
#undef GS_MICRO_KERNEL
#endif

enum class Isa { Generic, Avx2, Avx512 };

Isa detect_isa() {
  // GS_GEMM_KERNEL=generic|avx2 forces a lesser kernel (tests, comparisons).
  const char* force = std::getenv("GS_GEMM_KERNEL");
  Isa best = Isa::Generic;
#if GS_GEMM_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = Isa::Avx2;
  if (best == Isa::Avx2 && __builtin_cpu_supports("avx512f")) best = Isa::Avx512;
#endif
  if (force && std::strcmp(force, "generic") == 0) return Isa::Generic;
  if (force && std::strcmp(force, "avx2") == 0 && best != Isa::Generic) return Isa::Avx2;
  return best;
}

Isa isa() {
  static const Isa i = detect_isa();
  return i;
}

// The register tile and cache blocks for T on this CPU. `narrow` is for
// products whose N fits one half-width sliver (N <= nr / 2, e.g. a 10-class
// output layer), which would otherwise compute a full-width tile mostly of
// padding.
template <class T>
KernelSpec<T> kernel_spec(bool narrow) {
  // kc x nr (the B sliver) fits L1 and mc x kc (the A block) L2; the packed
  // B panel (kc x nc) is at most 1 MiB.
#if GS_GEMM_X86
  if constexpr (std::is_same_v<T, float>) {
    if (isa() == Isa::Avx512)
      return narrow ? KernelSpec<T>{micro_avx512_f32<12, 1>, 12, 16, 256, 192, 1024} : KernelSpec<T>{micro_avx512_f32<12, 2>, 12, 32, 256, 192, 1024};
    if (isa() == Isa::Avx2)
      return narrow ? KernelSpec<T>{micro_avx2_f32<6, 1>, 6, 8, 256, 120, 1024} : KernelSpec<T>{micro_avx2_f32<6, 2>, 6, 16, 256, 120, 1024};
  } else {
    if (isa() == Isa::Avx512)
      return narrow ? KernelSpec<T>{micro_avx512_f64<12, 1>, 12, 8, 256, 96, 512} : KernelSpec<T>{micro_avx512_f64<12, 2>, 12, 16, 256, 96, 512};
    if (isa() == Isa::Avx2)
      return narrow ? KernelSpec<T>{micro_avx2_f64<6, 1>, 6, 4, 256, 96, 512} : KernelSpec<T>{micro_avx2_f64<6, 2>, 6, 8, 256, 96, 512};
  }
#endif
  (void)narrow;
  if constexpr (std::is_same_v<T, float>) return {micro_generic<float, 4, 8>, 4, 8, 256, 128, 1024};
  else return {micro_generic<double, 4, 4>, 4, 4, 256, 96, 512};
}

// Per-thread packing buffers, 64-byte aligned, grown on demand and kept.
struct PackBuffer {
  void* p = nullptr;
  size_t cap = 0;
  PackBuffer() = default;
  PackBuffer(const PackBuffer&) = delete;
  PackBuffer& operator=(const PackBuffer&) = delete;
  ~PackBuffer() { std::free(p); }
  template <class T>
  T* get(size_t n) {
    const size_t bytes = ((n * sizeof(T) + 63) / 64) * 64;
    if (bytes > cap) {
      std::free(p);
      p = std::aligned_alloc(64, bytes);
      cap = p ? bytes : 0;
      if (!p) throw std::bad_alloc();
    }
    return static_cast<T*>(p);
  }
};

// op(A)[i0:i0+mc, p0:p0+kc] into MR-row slivers: sliver s holds, for each k,
// rows s*MR .. s*MR+MR-1 contiguously; rows past mc are zeros.
template <class T, int MR>
void pack_a(bool ta, const T* A, int64_t lda, int64_t i0, int64_t p0, int64_t mc, int64_t kc, T* dst) {
  for (int64_t s = 0; s < mc; s += MR) {
    const int64_t rows = std::min<int64_t>(MR, mc - s);
    T* d = dst + s * kc;
    if (ta) {
      // op(A)(i, k) = A[k * lda + i]: each k reads MR consecutive elements.
      const T* src = A + p0 * lda + i0 + s;
      if (rows == MR) {
        for (int64_t k = 0; k < kc; ++k)
          for (int r = 0; r < MR; ++r) d[k * MR + r] = src[k * lda + r];
      } else {
        for (int64_t k = 0; k < kc; ++k)
          for (int r = 0; r < MR; ++r) d[k * MR + r] = r < rows ? src[k * lda + r] : T{0};
      }
    } else {
      // op(A)(i, k) = A[i * lda + k]: MR rows read in step.
      const T* src = A + (i0 + s) * lda + p0;
      if (rows == MR) {
        int64_t k = 0;
#if GS_GEMM_X86 && defined(__SSE2__)
        if constexpr (std::is_same_v<T, float> && MR % 4 == 0) {
          // 4 x 4 blocks transposed in registers (SSE2 is baseline on x86-64).
          for (; k + 4 <= kc; k += 4)
            for (int g = 0; g < MR; g += 4) {
              __m128 r0 = _mm_loadu_ps(src + (g + 0) * lda + k), r1 = _mm_loadu_ps(src + (g + 1) * lda + k);
              __m128 r2 = _mm_loadu_ps(src + (g + 2) * lda + k), r3 = _mm_loadu_ps(src + (g + 3) * lda + k);
              _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
              _mm_storeu_ps(d + (k + 0) * MR + g, r0);
              _mm_storeu_ps(d + (k + 1) * MR + g, r1);
              _mm_storeu_ps(d + (k + 2) * MR + g, r2);
              _mm_storeu_ps(d + (k + 3) * MR + g, r3);
            }
        } else if constexpr (std::is_same_v<T, double> && MR % 2 == 0) {
          for (; k + 2 <= kc; k += 2)
            for (int g = 0; g < MR; g += 2) {
              const __m128d r0 = _mm_loadu_pd(src + (g + 0) * lda + k), r1 = _mm_loadu_pd(src + (g + 1) * lda + k);
              _mm_storeu_pd(d + (k + 0) * MR + g, _mm_unpacklo_pd(r0, r1));
              _mm_storeu_pd(d + (k + 1) * MR + g, _mm_unpackhi_pd(r0, r1));
            }
        }
#endif
        for (; k < kc; ++k)
          for (int r = 0; r < MR; ++r) d[k * MR + r] = src[r * lda + k];
      } else {
        for (int64_t k = 0; k < kc; ++k)
          for (int r = 0; r < MR; ++r) d[k * MR + r] = r < rows ? src[r * lda + k] : T{0};
      }
    }
  }
}

// op(B)[p0:p0+kc, j0:j0+nc] into NR-column slivers: sliver s holds, for each
// k, columns s*NR .. s*NR+NR-1 contiguously; columns past nc are zeros.
template <class T, int NR>
void pack_b(bool tb, const T* B, int64_t ldb, int64_t p0, int64_t j0, int64_t kc, int64_t nc, T* dst) {
  for (int64_t s = 0; s < nc; s += NR) {
    const int64_t cols = std::min<int64_t>(NR, nc - s);
    T* d = dst + s * kc;
    if (!tb) {
      // op(B)(k, j) = B[k * ldb + j]: each k copies NR consecutive elements.
      const T* src = B + p0 * ldb + j0 + s;
      if (cols == NR) {
        for (int64_t k = 0; k < kc; ++k) std::memcpy(d + k * NR, src + k * ldb, NR * sizeof(T));
      } else {
        for (int64_t k = 0; k < kc; ++k)
          for (int c = 0; c < NR; ++c) d[k * NR + c] = c < cols ? src[k * ldb + c] : T{0};
      }
    } else {
      // op(B)(k, j) = B[j * ldb + k]: NR rows of B read in step.
      const T* src = B + (j0 + s) * ldb + p0;
      if (cols == NR) {
        for (int64_t k = 0; k < kc; ++k)
          for (int c = 0; c < NR; ++c) d[k * NR + c] = src[c * ldb + k];
      } else {
        for (int64_t k = 0; k < kc; ++k)
          for (int c = 0; c < NR; ++c) d[k * NR + c] = c < cols ? src[c * ldb + k] : T{0};
      }
    }
  }
}

template <class T, int MR, int NR>
void gemm_packed(const KernelSpec<T>& ks, bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B,
                 int64_t ldb, T* C, int64_t ldc) {
  thread_local PackBuffer abuf, bbuf;
  // Equal K slices (784 = 4 x 196, not 3 x 256 + 16: a thin last slice pays
  // a whole pass of C loads and stores for a few rank-1 updates); likewise
  // equal row blocks, rounded up to whole register tiles.
  const int64_t KC = (K + (K + ks.kc - 1) / ks.kc - 1) / ((K + ks.kc - 1) / ks.kc);
  const int64_t mblocks = (M + ks.mc - 1) / ks.mc;
  const int64_t MC = (((M + mblocks - 1) / mblocks) + MR - 1) / MR * MR;
  const int64_t NC = ks.nc;
  const int64_t kc_max = std::min(KC, K);
  T* ap = abuf.get<T>(static_cast<size_t>(((std::min(MC, M) + MR - 1) / MR) * MR * kc_max));
  T* bp = bbuf.get<T>(static_cast<size_t>(((std::min(NC, N) + NR - 1) / NR) * NR * kc_max));
  alignas(64) T edge[MR * NR];
  for (int64_t jc = 0; jc < N; jc += NC) {
    const int64_t nc = std::min(NC, N - jc);
    for (int64_t pc = 0; pc < K; pc += KC) {
      const int64_t kc = std::min(KC, K - pc);
      const bool accumulate = pc > 0;
      pack_b<T, NR>(tb, B, ldb, pc, jc, kc, nc, bp);
      for (int64_t ic = 0; ic < M; ic += MC) {
        ctx().check_cancel();
        const int64_t mc = std::min(MC, M - ic);
        pack_a<T, MR>(ta, A, lda, ic, pc, mc, kc, ap);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int64_t nr = std::min<int64_t>(NR, nc - jr);
          const T* bs = bp + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int64_t mr = std::min<int64_t>(MR, mc - ir);
            const T* as = ap + ir * kc;
            T* c = C + (ic + ir) * ldc + jc + jr;
            if (mr == MR && nr == NR) {
              ks.fn(kc, as, bs, c, ldc, accumulate);
            } else {
              ks.fn(kc, as, bs, edge, NR, false);
              for (int64_t i = 0; i < mr; ++i) {
                T* ci = c + i * ldc;
                const T* e = edge + i * NR;
                if (accumulate)
                  for (int64_t j = 0; j < nr; ++j) ci[j] += e[j];
                else
                  for (int64_t j = 0; j < nr; ++j) ci[j] = e[j];
              }
            }
          }
        }
      }
    }
  }
}

// Products too small to repay packing: a direct loop (i-k-j, so the inner
// loop is unit-stride when B is not transposed). Integers wrap like PyTorch.
template <class T, bool = std::is_integral_v<T>>
struct Wrapping { using type = T; };
template <class T>
struct Wrapping<T, true> { using type = std::make_unsigned_t<T>; };

template <class T>
void gemm_small(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb, T* C,
                int64_t ldc) {
  using U = typename Wrapping<T>::type;
  for (int64_t i = 0; i < M; ++i) {
    U* c = reinterpret_cast<U*>(C + i * ldc);
    for (int64_t j = 0; j < N; ++j) c[j] = U{0};
    for (int64_t k = 0; k < K; ++k) {
      const U av = static_cast<U>(ta ? A[k * lda + i] : A[i * lda + k]);
      if (!tb) {
        const T* b = B + k * ldb;
        for (int64_t j = 0; j < N; ++j) c[j] += av * static_cast<U>(b[j]);
      } else {
        for (int64_t j = 0; j < N; ++j) c[j] += av * static_cast<U>(B[j * ldb + k]);
      }
    }
  }
}

// Matrix-vector products (M == 1 or N == 1), memory-bound: each output is a
// dot product of a contiguous row with the vector (8 partial sums, so the
// compiler vectorises it), or the output is a sum of scaled contiguous rows.
template <class T>
T dot(const T* x, const T* y, int64_t n) {
  T s[8] = {};
  int64_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (int u = 0; u < 8; ++u) s[u] += x[k + u] * y[k + u];
  T r = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  for (; k < n; ++k) r += x[k] * y[k];
  return r;
}

// out[l] = sum_k X(l, k) v[k] for l < L, where X(l, k) = X[l * ldx + k] when
// `rows` (dot products) or X[k * ldx + l] (axpy over the rows of X).
template <class T>
void gemv(bool rows, int64_t L, int64_t K, const T* X, int64_t ldx, const T* v, T* out) {
  if (rows) {
    const int64_t step = std::max<int64_t>(1, (int64_t{1} << 22) / K);
    for (int64_t l0 = 0; l0 < L; l0 += step) {
      ctx().check_cancel();
      const int64_t l1 = std::min(L, l0 + step);
      for (int64_t l = l0; l < l1; ++l) out[l] = dot(X + l * ldx, v, K);
    }
  } else {
    std::fill(out, out + L, T{0});
    const int64_t step = std::max<int64_t>(1, (int64_t{1} << 22) / L);
    for (int64_t k0 = 0; k0 < K; k0 += step) {
      ctx().check_cancel();
      const int64_t k1 = std::min(K, k0 + step);
      for (int64_t k = k0; k < k1; ++k) {
        const T vk = v[k];
        const T* x = X + k * ldx;
        for (int64_t l = 0; l < L; ++l) out[l] += vk * x[l];
      }
    }
  }
}

template <class T>
void gemm_vector(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb, T* C,
                 int64_t ldc) {
  thread_local PackBuffer vbuf, obuf;
  // The vector operand, contiguous: op(B)'s column (N == 1) or op(A)'s row (M == 1).
  const T* v;
  int64_t vstride;
  if (N == 1) v = B, vstride = tb ? 1 : ldb;
  else v = A, vstride = ta ? lda : 1;
  if (vstride != 1) {
    T* t = vbuf.get<T>(static_cast<size_t>(K));
    for (int64_t k = 0; k < K; ++k) t[k] = v[k * vstride];
    v = t;
  }
  if (N == 1) {
    // C[i] = sum_k op(A)(i, k) v[k]; C's elements are ldc apart.
    T* out = ldc == 1 ? C : obuf.get<T>(static_cast<size_t>(M));
    gemv(!ta, M, K, A, lda, v, out);
    if (out != C)
      for (int64_t i = 0; i < M; ++i) C[i * ldc] = out[i];
  } else {
    // C[j] = sum_k v[k] op(B)(k, j).
    gemv(tb, N, K, B, ldb, v, C);
  }
}

template <class T>
void gemm_builtin(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb, T* C,
                  int64_t ldc) {
  if constexpr (std::is_floating_point_v<T>) {
    if ((M == 1 || N == 1) && M * N * K > 4096) return gemm_vector<T>(ta, tb, M, N, K, A, lda, B, ldb, C, ldc);
    // Below ~32K multiply-adds packing costs more than it saves.
    if (M * N * K > 32 * 1024 && M > 1 && N > 1) {
      static const KernelSpec<T> wide = kernel_spec<T>(false), narrow = kernel_spec<T>(true);
      const KernelSpec<T>& ks = N <= narrow.nr && narrow.nr < wide.nr ? narrow : wide;
#define GS_GEMM_CASE(MR_, NR_) \
  if (ks.mr == MR_ && ks.nr == NR_) return gemm_packed<T, MR_, NR_>(ks, ta, tb, M, N, K, A, lda, B, ldb, C, ldc);
      GS_GEMM_CASE(12, 32)
      GS_GEMM_CASE(12, 16)
      GS_GEMM_CASE(12, 8)
      GS_GEMM_CASE(6, 16)
      GS_GEMM_CASE(6, 8)
      GS_GEMM_CASE(6, 4)
      GS_GEMM_CASE(4, 8)
      GS_GEMM_CASE(4, 4)
#undef GS_GEMM_CASE
    }
  }
  // Small products, and integers: rows in chunks so a large integer product
  // still checks for cancellation.
  const int64_t step = std::max<int64_t>(1, (int64_t{1} << 22) / std::max<int64_t>(1, N * K));
  for (int64_t i = 0; i < M; i += step) {
    ctx().check_cancel();
    const int64_t m = std::min(step, M - i);
    gemm_small<T>(ta, tb, m, N, K, ta ? A + i : A + i * lda, lda, B, ldb, C + i * ldc, ldc);
  }
}

#ifdef GS_HAVE_CBLAS
// Rows of C per cblas call: a chunk of at least 2^27 multiply-adds (1-2 ms on
// one core) between cancellation checks, and never fewer than 256 rows: every
// call repacks op(B), so thin chunks cost more than they check (64-row chunks
// cost OpenBLAS a quarter of its speed at 512^3; 256 rows, ~3%).
int64_t blas_rows_per_chunk(int64_t N, int64_t K) {
  const int64_t work = std::max<int64_t>(1, N * K);
  return std::max<int64_t>(256, (int64_t{1} << 27) / work);
}

template <class T>
void gemm_blas(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb, T* C,
               int64_t ldc) {
  const auto tra = ta ? CblasTrans : CblasNoTrans, trb = tb ? CblasTrans : CblasNoTrans;
  const int64_t step = blas_rows_per_chunk(N, K);
  for (int64_t i = 0; i < M; i += step) {
    ctx().check_cancel();
    const int64_t m = std::min(step, M - i);
    const T* a = ta ? A + i : A + i * lda;
    if constexpr (std::is_same_v<T, float>)
      cblas_sgemm(CblasRowMajor, tra, trb, static_cast<int>(m), static_cast<int>(N), static_cast<int>(K), 1.0f, a, static_cast<int>(lda), B,
                  static_cast<int>(ldb), 0.0f, C + i * ldc, static_cast<int>(ldc));
    else
      cblas_dgemm(CblasRowMajor, tra, trb, static_cast<int>(m), static_cast<int>(N), static_cast<int>(K), 1.0, a, static_cast<int>(lda), B,
                  static_cast<int>(ldb), 0.0, C + i * ldc, static_cast<int>(ldc));
  }
}
#endif
}  // namespace

bool blas_available() {
#ifdef GS_HAVE_CBLAS
  return true;
#else
  return false;
#endif
}
bool blas_enabled() { return g_blas.load(std::memory_order_relaxed); }
const char* blas_core() {
#ifdef GS_HAVE_CBLAS
  return openblas_get_corename();
#else
  return "none";
#endif
}
void set_blas_enabled(bool on) { g_blas.store(on && blas_available(), std::memory_order_relaxed); }

const char* builtin_gemm_kernel() {
  switch (isa()) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    case Isa::Generic: return "generic";
  }
  return "generic";
}

// Products of at most this many multiply-adds (8 x 8 x 8) never go to cblas.
constexpr int64_t kBlasMinWork = 512;

template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb, T* C,
          int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int64_t i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, T{0});
    return;
  }
#ifdef GS_HAVE_CBLAS
  if constexpr (std::is_floating_point_v<T>) {
    // cblas takes int sizes; anything larger (never reached under the
    // element limits the service sets) uses the built-in kernel.
    // Tiny products stay here too: a cblas call costs ~900 instructions
    // before its kernel (argument checks, its driver's blocking and packing),
    // more than the whole product below kBlasMinWork multiply-adds.
    constexpr int64_t kIntMax = 0x7fffffff;
    if (g_blas.load(std::memory_order_relaxed) && M * N * K > kBlasMinWork && M <= kIntMax && N <= kIntMax && K <= kIntMax && lda <= kIntMax && ldb <= kIntMax && ldc <= kIntMax)
      return gemm_blas<T>(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc);
  }
#endif
  gemm_builtin<T>(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc);
}

GemmSpeeds measure_gemm_speeds(int64_t n, int reps) {
  const size_t nn = static_cast<size_t>(n * n);
  std::vector<float> a(nn), b(nn), c(nn);
  for (size_t i = 0; i < nn; ++i) {
    a[i] = static_cast<float>(i % 7) * 0.25f - 0.5f;
    b[i] = static_cast<float>(i % 5) * 0.5f - 1.0f;
  }
  auto best_gflops = [&](auto product) {
    product();  // warm-up: packing buffers, caches
    double best = 0;
    for (int r = 0; r < reps; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      product();
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (s > 0) best = std::max(best, 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n) / s / 1e9);
    }
    return best;
  };
  GemmSpeeds out{};
  out.builtin = best_gflops([&] { gemm_builtin<float>(false, false, n, n, n, a.data(), n, b.data(), n, c.data(), n); });
#ifdef GS_HAVE_CBLAS
  out.blas = best_gflops([&] { gemm_blas<float>(false, false, n, n, n, a.data(), n, b.data(), n, c.data(), n); });
#else
  out.blas = 0;
#endif
  return out;
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, const double*, int64_t, const double*, int64_t, double*, int64_t);
template void gemm<int64_t>(bool, bool, int64_t, int64_t, int64_t, const int64_t*, int64_t, const int64_t*, int64_t, int64_t*, int64_t);

}  // namespace gs
