// Shared kernel machinery: dtype dispatch, type promotion, broadcasting and
// strided iteration. Op files build their kernels from these pieces.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <type_traits>
#include <vector>

#include "context.h"
#include "errors.h"
#include "tensor.h"

namespace gs {

// Runs the body with T bound to the C++ type of a floating dtype.
#define GS_DISPATCH_FLOAT(DT, T, ...)                                                   \
  switch (DT) {                                                                         \
    case ::gs::DType::Float32: { using T = float; __VA_ARGS__; break; }                 \
    case ::gs::DType::Float64: { using T = double; __VA_ARGS__; break; }                \
    default: throw ::gs::DTypeError(std::string("expected a floating point tensor, got ") + \
                                    ::gs::dtype_name(DT));                              \
  }

// Runs the body with T bound to the C++ type of any dtype (bool is uint8_t).
#define GS_DISPATCH_ALL(DT, T, ...)                                       \
  switch (DT) {                                                           \
    case ::gs::DType::Float32: { using T = float; __VA_ARGS__; break; }   \
    case ::gs::DType::Float64: { using T = double; __VA_ARGS__; break; }  \
    case ::gs::DType::Int64: { using T = int64_t; __VA_ARGS__; break; }   \
    case ::gs::DType::Bool: { using T = uint8_t; __VA_ARGS__; break; }    \
  }

// Converts one element between C++ types without undefined behaviour: bool
// results are 0/1, and a NaN or out-of-range float becomes INT64_MIN as on x86.
template <class D, class S>
inline D convert(S v) {
  if constexpr (std::is_same_v<D, uint8_t>) {
    return static_cast<D>(v != 0);
  } else if constexpr (std::is_integral_v<D> && std::is_floating_point_v<S>) {
    if (!(v >= -9.2233720368547758e18 && v < 9.2233720368547758e18)) return std::numeric_limits<D>::min();
    return static_cast<D>(v);
  } else {
    return static_cast<D>(v);
  }
}

// Integer arithmetic that wraps like PyTorch's instead of overflowing (UB).
template <class T>
inline T wrap_add(T a, T b) {
  if constexpr (std::is_same_v<T, int64_t>) return static_cast<T>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  else return a + b;
}
template <class T>
inline T wrap_sub(T a, T b) {
  if constexpr (std::is_same_v<T, int64_t>) return static_cast<T>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
  else return a - b;
}
template <class T>
inline T wrap_mul(T a, T b) {
  if constexpr (std::is_same_v<T, int64_t>) return static_cast<T>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
  else return a * b;
}

// torch.result_type over operands: dimensioned tensors outrank 0-d tensors,
// which outrank wrapped Python numbers, unless a lower group brings a higher
// category (bool < int < float). A wrapped float counts as float32.
DType result_type(const std::vector<const Tensor*>& operands);
// The same without a heap allocation, for a braced list of operands.
DType result_type(std::initializer_list<const Tensor*> operands);

// The broadcast shape of two shapes, with PyTorch's message when they clash.
Shape broadcast_shapes(const Shape& a, const Shape& b);

// Strides to read a tensor of shape `s` as if it had the broadcast shape `out`
// (0 along broadcast dimensions).
Shape broadcast_strides(const Shape& s, const Shape& out);

// A copy of x converted to dtype (no autograd); x itself when it already is.
Tensor cast_raw(const Tensor& x, DType dtype);

// Calls f(offsets, n, inner_strides) for each innermost row of `shape`, where
// offsets[k] is operand k's element offset at the row's start.
template <size_t N, class F>
void for_each_row(const Shape& shape, const std::array<Shape, N>& strides, F&& f) {
  const size_t nd = shape.size();
  std::array<int64_t, N> off{};
  if (nd == 0) {
    std::array<int64_t, N> inner{};
    f(off, int64_t{1}, inner);
    return;
  }
  for (int64_t d : shape)
    if (d == 0) return;
  const int64_t inner_n = shape[nd - 1];
  std::array<int64_t, N> inner;
  for (size_t k = 0; k < N; ++k) inner[k] = strides[k][nd - 1];
  Shape idx(nd, 0);
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < nd; ++d) rows *= shape[d];
  int64_t since_check = 0;
  for (int64_t r = 0; r < rows; ++r) {
    f(off, inner_n, inner);
    since_check += inner_n;
    if (since_check >= kCancelCheckElements) { ctx().check_cancel(); since_check = 0; }
    for (size_t d = nd - 1; d-- > 0;) {
      ++idx[d];
      for (size_t k = 0; k < N; ++k) off[k] += strides[k][d];
      if (idx[d] < shape[d]) break;
      for (size_t k = 0; k < N; ++k) off[k] -= strides[k][d] * shape[d];
      idx[d] = 0;
    }
  }
}

// Whether r broadcasts to out as one row repeated: its last dim is out's
// (non-empty) last dim and all its other dims are 1.
inline bool is_row_of(const Tensor& r, const Tensor& out) {
  if (r.dim() == 0 || out.dim() == 0 || out.numel() == 0) return false;
  const int64_t m = out.shape().back();
  return r.shape().back() == m && r.numel() == m && r.dim() <= out.dim();
}

// Calls f(r, m) for the start r of each row of m elements of n, checking for
// cancellation every kCancelCheckElements elements as for_each_row does.
template <class F>
void for_each_row_start(int64_t n, int64_t m, F&& f) {
  int64_t since_check = 0;
  for (int64_t r = 0; r < n; r += m) {
    f(r, m);
    since_check += m;
    if (since_check >= kCancelCheckElements) { ctx().check_cancel(); since_check = 0; }
  }
}

// out[i] = f(a[i]) over contiguous tensors of the same shape.
template <class R, class T, class F>
void map_unary(Tensor& out, const Tensor& a, F&& f) {
  R* o = out.data<R>();
  const T* x = a.data<T>();
  const int64_t n = a.numel();
  for (int64_t i0 = 0; i0 < n; i0 += kCancelCheckElements) {
    const int64_t i1 = std::min(n, i0 + kCancelCheckElements);
    for (int64_t i = i0; i < i1; ++i) o[i] = f(x[i]);
    if (i1 < n) ctx().check_cancel();
  }
}

// out = f(a, b) with broadcasting; a and b already have the compute type T.
template <class R, class T, class F>
void map_binary(Tensor& out, const Tensor& a, const Tensor& b, F&& f) {
  R* o = out.data<R>();
  const T* x = a.data<T>();
  const T* y = b.data<T>();
  const int64_t n = out.numel();
  if (a.shape() == out.shape() && b.shape() == out.shape()) {
    for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
  } else if (b.numel() == 1 && a.shape() == out.shape()) {
    const T yv = y[0];
    for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], yv);
  } else if (a.numel() == 1 && b.shape() == out.shape()) {
    const T xv = x[0];
    for (int64_t i = 0; i < n; ++i) o[i] = f(xv, y[i]);
  } else if (a.shape() == out.shape() && is_row_of(b, out)) {
    // A row added to every row (a bias): the same elementwise f without
    // building strides for the general loop below.
    for_each_row_start(n, out.shape().back(), [&](int64_t r, int64_t m) {
      for (int64_t j = 0; j < m; ++j) o[r + j] = f(x[r + j], y[j]);
    });
  } else if (b.shape() == out.shape() && is_row_of(a, out)) {
    for_each_row_start(n, out.shape().back(), [&](int64_t r, int64_t m) {
      for (int64_t j = 0; j < m; ++j) o[r + j] = f(x[j], y[r + j]);
    });
  } else {
    std::array<Shape, 3> st{contiguous_strides(out.shape()), broadcast_strides(a.shape(), out.shape()),
                                           broadcast_strides(b.shape(), out.shape())};
    for_each_row<3>(out.shape(), st, [&](const std::array<int64_t, 3>& off, int64_t m, const std::array<int64_t, 3>& in) {
      R* op = o + off[0];
      const T* xp = x + off[1];
      const T* yp = y + off[2];
      // out is contiguous (in[0] == 1); the common broadcasts (a row vector
      // added to every row, a column repeated along it) get unit-stride or
      // scalar loops the compiler vectorises.
      if (in[1] == 1 && in[2] == 1) {
        for (int64_t j = 0; j < m; ++j) op[j] = f(xp[j], yp[j]);
      } else if (in[1] == 1 && in[2] == 0) {
        const T yv = yp[0];
        for (int64_t j = 0; j < m; ++j) op[j] = f(xp[j], yv);
      } else if (in[1] == 0 && in[2] == 1) {
        const T xv = xp[0];
        for (int64_t j = 0; j < m; ++j) op[j] = f(xv, yp[j]);
      } else {
        for (int64_t j = 0; j < m; ++j) op[j * in[0]] = f(xp[j * in[1]], yp[j * in[2]]);
      }
    });
  }
  if (n >= kCancelCheckElements) ctx().check_cancel();
}

}  // namespace gs
