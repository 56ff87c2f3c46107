// Creation ops: no inputs to differentiate, so no backward.
#include "creation.h"

#include <cmath>

#include "../kernels.h"
#include "../registry.h"

namespace gs::op {

Tensor zeros(const Shape& shape, DType dtype) { return Tensor::zeros(shape, dtype); }
Tensor ones(const Shape& shape, DType dtype) { return Tensor::full(shape, dtype, 1.0); }
Tensor full(const Shape& shape, double value, DType dtype) { return Tensor::full(shape, dtype, value); }
Tensor zeros_like(const Tensor& x) { return Tensor::zeros(x.shape(), x.dtype()); }
Tensor ones_like(const Tensor& x) { return Tensor::full(x.shape(), x.dtype(), 1.0); }
Tensor full_like(const Tensor& x, double value) { return Tensor::full(x.shape(), x.dtype(), value); }

Tensor arange(double start, double end, double step, std::optional<DType> dtype) {
  // A NaN step would make the length NaN, and converting that to an integer
  // is undefined behaviour; PyTorch answers it as a zero step.
  if (step == 0 || std::isnan(step)) throw ValueError("step must be nonzero");
  if (!std::isfinite(start) || !std::isfinite(end)) throw ValueError("unsupported range: " + std::to_string(start) + " -> " + std::to_string(end));
  if ((step > 0 && start > end) || (step < 0 && start < end))
    throw ValueError("upper bound and larger bound inconsistent with step sign");
  double n = std::ceil((end - start) / step);
  if (n > 9.0e15) throw LimitError("arange would create too many elements");
  DType dt = dtype.value_or(std::floor(start) == start && std::floor(end) == end && std::floor(step) == step ? DType::Int64 : DType::Float32);
  Tensor out = Tensor::empty({static_cast<int64_t>(n)}, dt);
  if (out.is_meta()) return out;
  GS_DISPATCH_ALL(dt, T, {
    T* p = out.data<T>();
    for (int64_t i = 0; i < out.numel(); ++i) p[i] = convert<T>(start + static_cast<double>(i) * step);
  });
  return out;
}

Tensor linspace(double start, double end, int64_t steps, DType dtype) {
  if (steps < 0) throw ValueError("number of steps must be non-negative");
  Tensor out = Tensor::empty({steps}, dtype);
  if (out.is_meta()) return out;
  double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  int64_t half = steps / 2;
  GS_DISPATCH_ALL(dtype, T, {
    T* p = out.data<T>();
    // PyTorch fills the two halves from each end so the last value is exactly `end`.
    for (int64_t i = 0; i < steps; ++i)
      p[i] = convert<T>(steps == 1 ? start : i < half ? start + step * static_cast<double>(i) : end - step * static_cast<double>(steps - i - 1));
  });
  return out;
}

Tensor eye(int64_t n, int64_t m, DType dtype) {
  if (n < 0 || m < 0) throw ValueError("n and m must be non-negative, got n=" + std::to_string(n) + ", m=" + std::to_string(m));
  Tensor out = Tensor::zeros({n, m}, dtype);
  if (out.is_meta()) return out;
  GS_DISPATCH_ALL(dtype, T, {
    T* p = out.data<T>();
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = T{1};
  });
  return out;
}

}  // namespace gs::op

namespace gs {
namespace {

DType dtype_or(const Args& a, size_t i, DType d) { return a.is_none(i) ? d : dtype_from_name(a.str(i)); }

const OpRegistrar reg({
    {"zeros(int[] size, *, ScalarType? dtype=None) -> Tensor", "A tensor of zeros.",
     [](const Args& a) -> Outs { return {op::zeros(a.ints(0), dtype_or(a, 1, DType::Float32))}; }, false},
    {"ones(int[] size, *, ScalarType? dtype=None) -> Tensor", "A tensor of ones.",
     [](const Args& a) -> Outs { return {op::ones(a.ints(0), dtype_or(a, 1, DType::Float32))}; }, false},
    {"full(int[] size, Scalar fill_value, *, ScalarType? dtype=None) -> Tensor", "A tensor filled with fill_value.",
     [](const Args& a) -> Outs { return {op::full(a.ints(0), a.f64(1), dtype_or(a, 2, DType::Float32))}; }, false},
    {"zeros_like(Tensor input, *, ScalarType? dtype=None) -> Tensor", "Zeros with input's shape (and dtype).",
     [](const Args& a) -> Outs { return {op::zeros(a.tensor(0).shape(), dtype_or(a, 1, a.tensor(0).dtype()))}; }, false},
    {"ones_like(Tensor input, *, ScalarType? dtype=None) -> Tensor", "Ones with input's shape (and dtype).",
     [](const Args& a) -> Outs { return {op::ones(a.tensor(0).shape(), dtype_or(a, 1, a.tensor(0).dtype()))}; }, false},
    {"full_like(Tensor input, Scalar fill_value, *, ScalarType? dtype=None) -> Tensor", "fill_value with input's shape (and dtype).",
     [](const Args& a) -> Outs { return {op::full(a.tensor(0).shape(), a.f64(1), dtype_or(a, 2, a.tensor(0).dtype()))}; }, false},
    {"arange(Scalar start, Scalar? end=None, Scalar step=1, *, ScalarType? dtype=None) -> Tensor",
     "Values from start (or 0) up to end, exclusive; arange(n) counts 0..n-1.",
     [](const Args& a) -> Outs {
       std::optional<DType> dt;
       if (!a.is_none(3)) dt = dtype_from_name(a.str(3));
       if (a.is_none(1)) return {op::arange(0, a.f64(0), a.f64(2), dt)};
       return {op::arange(a.f64(0), a.f64(1), a.f64(2), dt)};
     }, false},
    {"linspace(Scalar start, Scalar end, int steps, *, ScalarType? dtype=None) -> Tensor", "steps evenly spaced values from start to end.",
     [](const Args& a) -> Outs { return {op::linspace(a.f64(0), a.f64(1), a.i64(2), dtype_or(a, 3, DType::Float32))}; }, false},
    {"eye(int n, int? m=None, *, ScalarType? dtype=None) -> Tensor", "The n x m identity matrix.",
     [](const Args& a) -> Outs { return {op::eye(a.i64(0), a.opt_i64(1).value_or(a.i64(0)), dtype_or(a, 2, DType::Float32))}; }, false},
});

}  // namespace
}  // namespace gs
