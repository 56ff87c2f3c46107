// Reductions over a set of dims. Accumulation is in double (int64 for integer
// sums), so float32 results are at least as accurate as PyTorch's.
#include "reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "../autograd.h"
#include "../kernels.h"
#include "../registry.h"
#include "ops.h"

namespace gs::op {

namespace {

struct ReduceDims {
  SmallVec<bool, 6> reduced;  // per input dim
  Shape keep_shape;           // keepdim=true shape
  Shape out_shape;            // the requested shape
  int64_t count = 1;          // elements reduced into each output
};

ReduceDims plan(const Tensor& x, const Shape& dims, bool keepdim) {
  ReduceDims r;
  const int64_t n = x.dim();
  r.reduced.assign(static_cast<size_t>(n), dims.empty());
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, n);
    if (n == 0) continue;
    if (r.reduced[static_cast<size_t>(w)] && !dims.empty())
      throw ValueError("dim " + std::to_string(w) + " appears multiple times in the list of dims");
    r.reduced[static_cast<size_t>(w)] = true;
  }
  for (int64_t i = 0; i < n; ++i) {
    int64_t s = x.shape()[static_cast<size_t>(i)];
    if (r.reduced[static_cast<size_t>(i)]) {
      r.count *= s;
      r.keep_shape.push_back(1);
      if (keepdim) r.out_shape.push_back(1);
    } else {
      r.keep_shape.push_back(s);
      r.out_shape.push_back(s);
    }
  }
  return r;
}

// Strides that map each input element to its output (keepdim layout).
Shape out_strides(const ReduceDims& r) {
  auto st = contiguous_strides(r.keep_shape);
  for (size_t i = 0; i < st.size(); ++i)
    if (r.reduced[i]) st[i] = 0;
  return st;
}

// acc[o] = combine(acc[o], x[i]) over all input elements, acc pre-filled by init.
template <class Acc, class T, class F>
void reduce_into(std::vector<Acc>& acc, const Tensor& x, const ReduceDims& r, F combine) {
  std::array<Shape, 2> st{out_strides(r), contiguous_strides(x.shape())};
  const T* xp = x.data<T>();
  Acc* a = acc.data();
  for_each_row<2>(x.shape(), st, [&](const std::array<int64_t, 2>& off, int64_t m, const std::array<int64_t, 2>& in) {
    Acc* ap = a + off[0];
    const T* p = xp + off[1];
    if (in[0] == 0) {
      Acc v = ap[0];
      for (int64_t j = 0; j < m; ++j) v = combine(v, static_cast<Acc>(p[j]));
      ap[0] = v;
    } else if (in[0] == 1) {
      // Reducing over an outer dim (a bias gradient): a unit-stride row update.
      for (int64_t j = 0; j < m; ++j) ap[j] = combine(ap[j], static_cast<Acc>(p[j]));
    } else {
      for (int64_t j = 0; j < m; ++j) ap[j * in[0]] = combine(ap[j * in[0]], static_cast<Acc>(p[j]));
    }
  });
}

}  // namespace

Tensor sum(const Tensor& x, const Shape& dims, bool keepdim) {
  ReduceDims r = plan(x, dims, keepdim);
  DType dt = is_floating(x.dtype()) ? x.dtype() : DType::Int64;
  Tensor out = Tensor::empty(r.out_shape, dt);
  ctx().add_flops(x.numel());
  if (!out.is_meta()) {
    const size_t n = static_cast<size_t>(out.numel());
    if (is_floating(dt)) {
      std::vector<double> acc(n, 0.0);
      GS_DISPATCH_FLOAT(x.dtype(), T, { reduce_into<double, T>(acc, x, r, [](double a, double b) { return a + b; }); });
      GS_DISPATCH_FLOAT(dt, R, { for (size_t i = 0; i < n; ++i) out.data<R>()[i] = static_cast<R>(acc[i]); });
    } else {
      std::vector<int64_t> acc(n, 0);
      GS_DISPATCH_ALL(x.dtype(), T, { reduce_into<int64_t, T>(acc, x, r, [](int64_t a, int64_t b) { return wrap_add(a, b); }); });
      std::copy(acc.begin(), acc.end(), out.data<int64_t>());
    }
  }
  Shape in_shape = x.shape(), keep = r.keep_shape;
  return record(out, "sum", {x}, [in_shape, keep](const Tensor& g, const BackwardCtx&) -> Grads {
    return {expand(reshape(g, keep), in_shape)};
  });
}

Tensor mean(const Tensor& x, const Shape& dims, bool keepdim) {
  if (!is_floating(x.dtype()))
    throw DTypeError(std::string("mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ") +
                     (x.dtype() == DType::Int64 ? "Long" : "Bool"));
  ReduceDims r = plan(x, dims, keepdim);
  Tensor s = sum(x, dims, keepdim);
  // 0 elements give NaN, as in PyTorch. A wrapped float64 keeps large counts
  // exact and still promotes like a Python number (float32 stays float32).
  return div(s, Tensor::scalar(static_cast<double>(r.count), DType::Float64));
}

namespace {
// amax/amin kernel; NaN wins, as in PyTorch.
template <bool kMax>
Tensor extreme(const Tensor& x, const Shape& dims, bool keepdim) {
  ReduceDims r = plan(x, dims, keepdim);
  if (r.count == 0 && x.numel() == 0)
    throw IndexError(std::string(kMax ? "amax" : "amin") + "(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
  for (size_t i = 0; i < r.reduced.size(); ++i)
    if (r.reduced[i] && x.shape()[i] == 0)
      throw IndexError(std::string(kMax ? "amax" : "amin") + "(): Expected reduction dim " + std::to_string(i) + " to have non-zero size.");
  Tensor out = Tensor::empty(r.out_shape, x.dtype());
  ctx().add_flops(x.numel());
  if (!out.is_meta()) {
    const size_t n = static_cast<size_t>(out.numel());
    GS_DISPATCH_ALL(x.dtype(), T, {
      using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
      // Start from the identity of max/min: -inf/+inf for floats, the extremes for ints.
      Acc init;
      if constexpr (std::is_floating_point_v<Acc>) init = kMax ? -INFINITY : INFINITY;
      else init = kMax ? std::numeric_limits<Acc>::lowest() : std::numeric_limits<Acc>::max();
      std::vector<Acc> acc(n, init);
      reduce_into<Acc, T>(acc, x, r, [](Acc a, Acc b) {
        if constexpr (std::is_floating_point_v<Acc>) { if (std::isnan(a) || std::isnan(b)) return static_cast<Acc>(NAN); }
        return kMax ? (b > a ? b : a) : (b < a ? b : a);
      });
      for (size_t i = 0; i < n; ++i) out.data<T>()[i] = static_cast<T>(acc[i]);
    });
  }
  Shape keep = r.keep_shape;
  return record(out, kMax ? "amax" : "amin", {x}, [x, keep](const Tensor& g, const BackwardCtx& c) -> Grads {
    // Ties share the gradient evenly (PyTorch's amax/amin and full max()).
    Tensor mask = to_dtype(eq(x, reshape(c.out.detach(), keep)), g.dtype());
    Tensor count = sum_to(mask, keep);
    return {div(mul(expand(reshape(g, keep), x.shape()), mask), count)};
  });
}
}  // namespace

Tensor amax(const Tensor& x, const Shape& dims, bool keepdim) { return extreme<true>(x, dims, keepdim); }
Tensor amin(const Tensor& x, const Shape& dims, bool keepdim) { return extreme<false>(x, dims, keepdim); }

Tensor logsumexp(const Tensor& x, const Shape& dims, bool keepdim) {
  Tensor xf = is_floating(x.dtype()) ? x : to_dtype(x, DType::Float32);
  if (xf.numel() == 0) return log(sum(exp(xf), dims, keepdim));
  // Shift by the (constant) max so exp never overflows; an infinite max is
  // replaced by 0 so inf - inf cannot produce NaN.
  Tensor m = amax(xf.detach(), dims, true);
  m = where(logical_not(eq(abs(m), Tensor::scalar(INFINITY, DType::Float32))), m, zeros_like(m));
  Tensor s = log(sum(exp(sub(xf, m)), dims, true));
  Tensor r = add(s, m);
  if (keepdim) return r;
  ReduceDims p = plan(x, dims, false);
  return reshape(r, p.out_shape);
}


namespace {

// A contiguous tensor read as [outer, n, inner] around one dim.
struct Rows {
  int64_t outer = 1, n = 1, inner = 1;
};
Rows rows_around(const Shape& s, int64_t d) {
  Rows r;
  if (s.empty()) return r;
  for (int64_t i = 0; i < d; ++i) r.outer *= s[static_cast<size_t>(i)];
  r.n = s[static_cast<size_t>(d)];
  for (size_t i = static_cast<size_t>(d) + 1; i < s.size(); ++i) r.inner *= s[i];
  return r;
}

// The shape of a reduction along one dim (0-d stays 0-d).
Shape reduced_shape(const Tensor& x, int64_t d, bool keepdim, int64_t size = 1) {
  Shape s = x.shape();
  if (s.empty()) return s;
  if (keepdim || size != 1) s[static_cast<size_t>(d)] = size;
  else s.erase(s.begin() + d);
  return s;
}

template <class T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

// `a` comes before `b` in a descending (largest) or ascending order; NaN is
// the largest value, as in PyTorch's sort/topk/kthvalue.
template <class T>
bool ranks_before(T a, T b, bool largest) {
  if (largest) return (is_nan(a) && !is_nan(b)) || a > b;
  return (!is_nan(a) && is_nan(b)) || a < b;
}

// Calls f(o, i) for every row (outer o, inner i) and checks for cancellation.
template <class F>
void for_each_lane(const Rows& r, F&& f) {
  int64_t since = 0;
  for (int64_t o = 0; o < r.outer; ++o)
    for (int64_t i = 0; i < r.inner; ++i) {
      f(o, i);
      since += r.n;
      if (since >= kCancelCheckElements) { ctx().check_cancel(); since = 0; }
    }
}

// Product over all but one element along dim d, for every element: the
// gradient of prod. Computed directly (O(n)) and not recorded: used only by
// first-order backward (grad mode off).
Tensor exclusive_prod_raw(const Tensor& x, int64_t d) {
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  ctx().add_flops(3 * x.numel());
  if (out.is_meta() || x.numel() == 0) return out;
  Rows r = rows_around(x.shape(), d);
  GS_DISPATCH_FLOAT(x.dtype(), T, {
    const T* p = x.data<T>();
    T* o = out.data<T>();
    for_each_lane(r, [&](int64_t oi, int64_t ii) {
      const int64_t base = oi * r.n * r.inner + ii;
      double acc = 1.0;  // prefix products
      for (int64_t j = 0; j < r.n; ++j) {
        o[base + j * r.inner] = static_cast<T>(acc);
        acc *= static_cast<double>(p[base + j * r.inner]);
      }
      acc = 1.0;  // times suffix products
      for (int64_t j = r.n; j-- > 0;) {
        o[base + j * r.inner] = static_cast<T>(static_cast<double>(o[base + j * r.inner]) * acc);
        acc *= static_cast<double>(p[base + j * r.inner]);
      }
    });
  });
  return out;
}

// Inclusive cumulative product along d as a Hillis-Steele scan of mul, cat
// and narrow, so it is differentiable to any order (reverse: from the end).
Tensor cumprod_scan(const Tensor& x, int64_t d, bool reverse) {
  const int64_t n = x.size(d);
  Tensor y = x;
  for (int64_t s = 1; s < n; s *= 2) {
    Shape os = x.shape();
    os[static_cast<size_t>(d)] = s;
    Tensor ones = Tensor::full(os, x.dtype(), 1.0);
    Tensor shifted = reverse ? cat({narrow(y, d, s, n - s), ones}, d) : cat({ones, narrow(y, d, 0, n - s)}, d);
    y = mul(y, shifted);
  }
  return y;
}

// Differentiable product of all other elements along d; exact with zeros.
Tensor exclusive_prod(const Tensor& x, int64_t d) {
  if (!ctx().grad_mode) return exclusive_prod_raw(x, d);
  const int64_t n = x.size(d);
  if (n <= 1) return ones_like(x);
  Shape os = x.shape();
  os[static_cast<size_t>(d)] = 1;
  Tensor one = Tensor::full(os, x.dtype(), 1.0);
  Tensor before = cat({one, narrow(cumprod_scan(x, d, false), d, 0, n - 1)}, d);
  Tensor after = cat({narrow(cumprod_scan(x, d, true), d, 1, n - 1), one}, d);
  return mul(before, after);
}

bool has_zero(const Tensor& x) {
  bool z = false;
  GS_DISPATCH_FLOAT(x.dtype(), T, {
    const T* p = x.data<T>();
    for (int64_t i = 0; i < x.numel() && !z; ++i) z = p[i] == T{0};
  });
  return z;
}

// where(mask, 0, a / b) without ever dividing by a masked b, so no inf/NaN
// leaks into higher-order gradients either.
Tensor div_or_zero(const Tensor& a, const Tensor& b, const Tensor& mask) {
  Tensor safe_b = where(mask, ones_like(b), b);
  Tensor q = div(a, safe_b);
  return where(mask, zeros_like(q), q);
}

Tensor is_zero(const Tensor& x) { return eq(x, Tensor::scalar(0.0, DType::Float32)); }
Tensor is_nan_t(const Tensor& x) { return ne(x, x); }

}  // namespace

Tensor prod(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  Shape dims;
  if (dim) dims.push_back(*dim);
  ReduceDims r = plan(x, dims, keepdim);
  DType dt = is_floating(x.dtype()) ? x.dtype() : DType::Int64;
  Tensor out = Tensor::empty(r.out_shape, dt);
  ctx().add_flops(x.numel());
  if (!out.is_meta()) {
    const size_t n = static_cast<size_t>(out.numel());
    if (is_floating(dt)) {
      std::vector<double> acc(n, 1.0);
      GS_DISPATCH_FLOAT(x.dtype(), T, { reduce_into<double, T>(acc, x, r, [](double a, double b) { return a * b; }); });
      GS_DISPATCH_FLOAT(dt, R, { for (size_t i = 0; i < n; ++i) out.data<R>()[i] = static_cast<R>(acc[i]); });
    } else {
      std::vector<int64_t> acc(n, 1);
      GS_DISPATCH_ALL(x.dtype(), T, { reduce_into<int64_t, T>(acc, x, r, [](int64_t a, int64_t b) { return wrap_mul(a, b); }); });
      std::copy(acc.begin(), acc.end(), out.data<int64_t>());
    }
  }
  Shape keep = r.keep_shape;
  return record(out, "prod", {x}, [x, dim, keep](const Tensor& g, const BackwardCtx& c) -> Grads {
    // PyTorch's prod_backward: grad * prod / x without zeros; otherwise the
    // product of the other elements (prefix * suffix products).
    if (x.dim() == 0) return {g};
    Tensor gx = expand(reshape(g, keep), x.shape());
    if (!x.is_meta() && !has_zero(x)) return {mul(gx, div(expand(reshape(c.out, keep), x.shape()), x))};
    if (dim) return {mul(gx, exclusive_prod(x, wrap_dim(*dim, x.dim())))};
    return {mul(gx, reshape(exclusive_prod(reshape(x, {x.numel()}), 0), x.shape()))};
  });
}

namespace {
// argmax/argmin kernel: first occurrence wins; a NaN is the extreme of both.
template <bool kMax>
Tensor arg_extreme(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  const std::string name = kMax ? "argmax()" : "argmin()";
  Tensor src = x;
  int64_t d = 0;
  Shape out_shape;
  if (dim) {
    d = wrap_dim(*dim, x.dim());
    if (x.dim() > 0 && x.size(d) == 0)
      throw IndexError(name + ": Expected reduction dim " + std::to_string(d) + " to have non-zero size.");
    out_shape = reduced_shape(x, d, keepdim);
  } else {
    if (x.numel() == 0) throw IndexError(name + ": Expected reduction dim to be specified for input.numel() == 0.");
    src = x.with_shape({x.numel()});
    if (keepdim) out_shape.assign(x.shape().size(), 1);
  }
  Tensor out = Tensor::empty(out_shape, DType::Int64);
  ctx().add_flops(x.numel());
  if (out.is_meta()) return out;
  Rows r = rows_around(src.shape(), d);
  int64_t* o = out.data<int64_t>();
  GS_DISPATCH_ALL(src.dtype(), T, {
    const T* p = src.data<T>();
    for_each_lane(r, [&](int64_t oi, int64_t ii) {
      const T* row = p + oi * r.n * r.inner + ii;
      T best = row[0];
      int64_t bi = 0;
      for (int64_t j = 1; j < r.n && !is_nan(best); ++j) {
        T v = row[j * r.inner];
        if (is_nan(v) || (kMax ? v > best : v < best)) { best = v; bi = j; }
      }
      o[oi * r.inner + ii] = bi;
    });
  });
  return out;
}

// Full max()/min(): amax's value; ties (or NaNs, when the result is NaN)
// share the gradient evenly, as PyTorch's evenly_distribute_backward.
template <bool kMax>
Tensor full_extreme(const Tensor& x) {
  if (x.numel() == 0)
    throw IndexError(std::string(kMax ? "max" : "min") +
                     "(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
  Tensor out = kMax ? amax(x.detach(), {}, false) : amin(x.detach(), {}, false);
  return record(out, kMax ? "max" : "min", {x}, [x](const Tensor& g, const BackwardCtx& c) -> Grads {
    Tensor v = c.out.detach();
    Tensor mask = to_dtype(where(is_nan_t(v), is_nan_t(x), eq(x, v)), g.dtype());
    return {div(mul(g, mask), sum(mask))};
  });
}

// max/min along a dim: gather at argmax/argmin, so the gradient goes to the
// index PyTorch returns (a scatter).
template <bool kMax>
Tensor dim_extreme(const Tensor& x, int64_t dim, bool keepdim) {
  int64_t d = wrap_dim(dim, x.dim());
  if (x.dim() == 0) return x;
  if (x.size(d) == 0)
    throw IndexError(std::string(kMax ? "max" : "min") + "(): Expected reduction dim " + std::to_string(d) + " to have non-zero size.");
  Tensor idx = arg_extreme<kMax>(x, d, true);
  Tensor v = gather(x, d, idx);
  return keepdim ? v : squeeze(v, {d});
}
}  // namespace

Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) { return arg_extreme<true>(x, dim, keepdim); }
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) { return arg_extreme<false>(x, dim, keepdim); }
Tensor max(const Tensor& x) { return full_extreme<true>(x); }
Tensor min(const Tensor& x) { return full_extreme<false>(x); }
Tensor max_dim(const Tensor& x, int64_t dim, bool keepdim) { return dim_extreme<true>(x, dim, keepdim); }
Tensor min_dim(const Tensor& x, int64_t dim, bool keepdim) { return dim_extreme<false>(x, dim, keepdim); }

Tensor var(const Tensor& x, const Shape& dims, double correction, bool keepdim) {
  if (!is_floating(x.dtype())) throw DTypeError("std and var only support floating point and complex dtypes");
  ReduceDims r = plan(x, dims, keepdim);
  // sum((x - mean)^2) / max(0, N - correction), composed so it is twice differentiable.
  Tensor dev = sub(x, mean(x, dims, true));
  Tensor ss = sum(square(dev), dims, keepdim);
  double divisor = std::max(0.0, static_cast<double>(r.count) - correction);
  return div(ss, Tensor::scalar(divisor, DType::Float64));
}

Tensor std(const Tensor& x, const Shape& dims, double correction, bool keepdim) {
  Tensor v = var(x, dims, correction, keepdim);
  Tensor out = sqrt(v.detach());
  // PyTorch's std_backward: grad / (2 * std), 0 where std == 0.
  return record(out, "std", {v}, [](const Tensor& g, const BackwardCtx& c) -> Grads {
    return {div_or_zero(g, mul(c.out, 2.0), is_zero(c.out))};
  });
}

Tensor norm(const Tensor& x, double p, const Shape& dims, bool keepdim) {
  if (!is_floating(x.dtype()))
    throw DTypeError(std::string("linalg.vector_norm: Expected a floating point or complex tensor as input. Got ") +
                     (x.dtype() == DType::Int64 ? "Long" : "Bool"));
  if (std::isnan(p)) throw ValueError("norm(): p must not be NaN");
  ReduceDims r = plan(x, dims, keepdim);
  if (std::isinf(p)) {
    bool empty = x.numel() == 0;
    for (size_t i = 0; i < r.reduced.size(); ++i) empty = empty || (r.reduced[i] && x.shape()[i] == 0);
    if (empty)
      throw ShapeError("linalg.vector_norm cannot compute the " + std::string(p > 0 ? "inf" : "-inf") +
                       " norm on an empty tensor because the operation does not have an identity");
  }
  Tensor out;
  {
    GradModeGuard no_grad(false);
    Tensor xd = x.detach();
    if (p == INFINITY) out = amax(abs(xd), dims, keepdim);
    else if (p == -INFINITY) out = amin(abs(xd), dims, keepdim);
    else if (p == 0) out = sum(to_dtype(ne(xd, Tensor::scalar(0.0, DType::Float32)), x.dtype()), dims, keepdim);
    else if (p == 1) out = sum(abs(xd), dims, keepdim);
    else if (p == 2) out = sqrt(sum(square(xd), dims, keepdim));
    else out = pow(sum(pow(abs(xd), p), dims, keepdim), 1.0 / p);
  }
  Shape keep = r.keep_shape;
  return record(out, "norm", {x}, [x, p, keep](const Tensor& g, const BackwardCtx& c) -> Grads {
    // PyTorch's norm_backward, with every masked division made safe.
    Tensor gk = reshape(g, keep), nk = reshape(c.out, keep);
    if (p == 0) return {zeros_like(x)};
    if (p == 1) return {mul(sign(x), gk)};
    if (p == 2) return {mul(gk, div_or_zero(x, nk, is_zero(nk)))};
    if (std::isinf(p)) {
      Tensor ax = abs(x);
      Tensor mask = to_dtype(logical_or(eq(ax, nk.detach()), is_nan_t(ax)), g.dtype());
      return {mul(sign(x), mul(div(gk, sum_to(mask, keep)), mask))};
    }
    Tensor ax = abs(x);
    if (p < 1) {
      Tensor xz = is_zero(x);
      Tensor scaled = mul(sign(x), where(xz, zeros_like(ax), pow(where(xz, ones_like(ax), ax), p - 1)));
      return {mul(mul(scaled, gk), pow(nk, 1 - p))};
    }
    Tensor scaled = p < 2 ? mul(sign(x), pow(ax, p - 1)) : mul(x, pow(ax, p - 2));
    return {mul(scaled, div_or_zero(gk, pow(nk, p - 1), is_zero(nk)))};
  });
}

namespace {
// Indices of the k first elements along d in a stable order (ties: lower
// index first), as [.., k, ..]; for topk and kthvalue.
Tensor sorted_indices(const Tensor& x, int64_t d, int64_t k, bool largest, int64_t pick_from = 0) {
  Shape s = reduced_shape(x, d, true, k);
  Tensor out = Tensor::empty(s, DType::Int64);
  const int64_t n = x.dim() == 0 ? 1 : x.size(d);
  const double lg = n > 1 ? std::log2(static_cast<double>(n)) : 1.0;
  ctx().add_flops(static_cast<int64_t>(static_cast<double>(x.numel()) * lg));
  if (out.is_meta() || out.numel() == 0) return out;
  Rows r = rows_around(x.shape(), d);
  Rows ro = rows_around(s, d);
  int64_t* o = out.data<int64_t>();
  std::vector<int64_t> order(static_cast<size_t>(r.n));  // a permutation of a lane, not a shape
  GS_DISPATCH_ALL(x.dtype(), T, {
    const T* p = x.data<T>();
    for_each_lane(r, [&](int64_t oi, int64_t ii) {
      const T* row = p + oi * r.n * r.inner + ii;
      for (int64_t j = 0; j < r.n; ++j) order[static_cast<size_t>(j)] = j;
      auto cmp = [&](int64_t a, int64_t b) { return ranks_before(row[a * r.inner], row[b * r.inner], largest); };
      std::stable_sort(order.begin(), order.end(), cmp);
      for (int64_t j = 0; j < k; ++j) o[oi * ro.n * ro.inner + j * ro.inner + ii] = order[static_cast<size_t>(pick_from + j)];
    });
  });
  return out;
}
}  // namespace

Tensor topk_indices(const Tensor& x, int64_t k, int64_t dim, bool largest, bool sorted) {
  int64_t d = wrap_dim(dim, x.dim());
  const int64_t n = x.dim() == 0 ? 1 : x.size(d);
  if (k < 0 || k > n) throw IndexError("selected index k out of range");
  // Always sorted: sorted=False leaves the order unspecified in PyTorch.
  (void)sorted;
  if (x.dim() == 0) {
    Tensor idx = Tensor::zeros(k == 1 ? Shape{} : Shape{0}, DType::Int64);
    return idx;
  }
  return sorted_indices(x, d, k, largest);
}

Tensor topk(const Tensor& x, int64_t k, int64_t dim, bool largest, bool sorted) {
  Tensor idx = topk_indices(x, k, dim, largest, sorted);
  if (x.dim() == 0) return k == 1 ? x : narrow(reshape(x, {1}), 0, 0, 0);
  return gather(x, wrap_dim(dim, x.dim()), idx);
}

Tensor kthvalue_indices(const Tensor& x, int64_t k, int64_t dim, bool keepdim) {
  int64_t d = wrap_dim(dim, x.dim());
  const int64_t n = x.dim() == 0 ? 1 : x.size(d);
  if (k < 1 || k > n) throw IndexError("kthvalue(): selected number k out of range for dimension " + std::to_string(d));
  if (x.dim() == 0) return Tensor::zeros({}, DType::Int64);
  Tensor idx = sorted_indices(x, d, 1, false, k - 1);
  return keepdim ? idx : idx.with_shape(reduced_shape(x, d, false));
}

Tensor kthvalue(const Tensor& x, int64_t k, int64_t dim, bool keepdim) {
  Tensor idx = kthvalue_indices(x, k, dim, true);
  if (x.dim() == 0) return x;
  int64_t d = wrap_dim(dim, x.dim());
  Tensor v = gather(x, d, idx);
  return keepdim ? v : squeeze(v, {d});
}

}  // namespace gs::op

namespace gs {
namespace {

Shape dims_or_all(const Args& a, size_t i) { return a.is_none(i) ? Shape{} : a.ints(i); }

// PyTorch 1.13: correction (when given) wins, else unbiased (default True).
double correction_of(const Args& a, size_t unbiased, size_t correction) {
  if (!a.is_none(correction)) return a.f64(correction);
  return a.is_none(unbiased) || a.boolean(unbiased) ? 1.0 : 0.0;
}

// p as a number (Infinity allowed) or one of "fro", "inf", "-inf".
double norm_p(const Args& a, size_t i) {
  if (a.is_none(i)) return 2.0;
  std::string s;
  try {
    s = a.str(i);
  } catch (const ValueError&) {
    return a.f64(i);  // not a string: a number
  }
  if (s == "fro") return 2.0;
  if (s == "inf" || s == "Infinity") return INFINITY;
  if (s == "-inf" || s == "-Infinity") return -INFINITY;
  if (s == "nuc") throw ValueError("norm(): p='nuc' (nuclear norm) is not supported");
  throw ValueError("norm(): p must be a number, inf, -inf or 'fro', got '" + s + "'");
}

const OpRegistrar reg({
    {"sum(Tensor input, int[]? dim=None, bool keepdim=False) -> Tensor", "Sum over dim (all dims when None).",
     [](const Args& a) -> Outs { return {op::sum(a.tensor(0), dims_or_all(a, 1), a.boolean(2))}; }},
    {"mean(Tensor input, int[]? dim=None, bool keepdim=False) -> Tensor", "Mean over dim (all dims when None).",
     [](const Args& a) -> Outs { return {op::mean(a.tensor(0), dims_or_all(a, 1), a.boolean(2))}; }},
    {"amax(Tensor input, int[] dim=[], bool keepdim=False) -> Tensor", "Maximum over dim (all when empty); ties share the gradient.",
     [](const Args& a) -> Outs { return {op::amax(a.tensor(0), a.ints(1), a.boolean(2))}; }},
    {"amin(Tensor input, int[] dim=[], bool keepdim=False) -> Tensor", "Minimum over dim (all when empty); ties share the gradient.",
     [](const Args& a) -> Outs { return {op::amin(a.tensor(0), a.ints(1), a.boolean(2))}; }},
    {"logsumexp(Tensor input, int[] dim, bool keepdim=False) -> Tensor", "log(sum(exp(input))) over dim, computed stably.",
     [](const Args& a) -> Outs { return {op::logsumexp(a.tensor(0), a.ints(1), a.boolean(2))}; }},
    {"prod(Tensor input, int? dim=None, bool keepdim=False) -> Tensor", "Product over dim (all dims when None); exact gradient with zeros.",
     [](const Args& a) -> Outs { return {op::prod(a.tensor(0), a.opt_i64(1), a.boolean(2))}; }},
    {"max(Tensor input, int? dim=None, bool keepdim=False) -> Tensor",
     "Maximum: of all elements (ties share the gradient) or along dim (the values; the gradient goes to the index argmax picks).",
     [](const Args& a) -> Outs {
       if (a.is_none(1)) return {op::max(a.tensor(0))};
       return {op::max_dim(a.tensor(0), a.i64(1), a.boolean(2))};
     }},
    {"min(Tensor input, int? dim=None, bool keepdim=False) -> Tensor",
     "Minimum: of all elements (ties share the gradient) or along dim (the values; the gradient goes to the index argmin picks).",
     [](const Args& a) -> Outs {
       if (a.is_none(1)) return {op::min(a.tensor(0))};
       return {op::min_dim(a.tensor(0), a.i64(1), a.boolean(2))};
     }},
    {"argmax(Tensor input, int? dim=None, bool keepdim=False) -> Tensor", "Index of the maximum (first occurrence; NaN counts as maximum), int64.",
     [](const Args& a) -> Outs { return {op::argmax(a.tensor(0), a.opt_i64(1), a.boolean(2))}; }, false},
    {"argmin(Tensor input, int? dim=None, bool keepdim=False) -> Tensor", "Index of the minimum (first occurrence; NaN counts as minimum), int64.",
     [](const Args& a) -> Outs { return {op::argmin(a.tensor(0), a.opt_i64(1), a.boolean(2))}; }, false},
    {"var(Tensor input, int[]? dim=None, bool? unbiased=None, bool keepdim=False, *, Scalar? correction=None) -> Tensor",
     "Variance over dim; divisor N - correction (correction defaults to 1, or 0 when unbiased=False).",
     [](const Args& a) -> Outs { return {op::var(a.tensor(0), dims_or_all(a, 1), correction_of(a, 2, 4), a.boolean(3))}; }},
    {"std(Tensor input, int[]? dim=None, bool? unbiased=None, bool keepdim=False, *, Scalar? correction=None) -> Tensor",
     "Standard deviation over dim; divisor N - correction (correction defaults to 1, or 0 when unbiased=False).",
     [](const Args& a) -> Outs { return {op::std(a.tensor(0), dims_or_all(a, 1), correction_of(a, 2, 4), a.boolean(3))}; }},
    {"norm(Tensor input, Scalar|str p=\"fro\", int[]? dim=None, bool keepdim=False) -> Tensor",
     "Vector norm over dim (all when None): p is a number, inf, -inf (\"inf\", \"-inf\") or \"fro\" (2-norm).",
     [](const Args& a) -> Outs { return {op::norm(a.tensor(0), norm_p(a, 1), dims_or_all(a, 2), a.boolean(3))}; }},
    {"topk(Tensor input, int k, int dim=-1, bool largest=True, bool sorted=True) -> Tensor",
     "The k largest (or smallest) values along dim, sorted; ties keep index order; gradient to the picked indices.",
     [](const Args& a) -> Outs { return {op::topk(a.tensor(0), a.i64(1), a.i64(2), a.boolean(3), a.boolean(4))}; }},
    {"topk_indices(Tensor input, int k, int dim=-1, bool largest=True, bool sorted=True) -> Tensor",
     "The int64 indices of topk's values.",
     [](const Args& a) -> Outs { return {op::topk_indices(a.tensor(0), a.i64(1), a.i64(2), a.boolean(3), a.boolean(4))}; }, false},
    {"kthvalue(Tensor input, int k, int dim=-1, bool keepdim=False) -> Tensor",
     "The k-th smallest value along dim (k from 1); gradient to its index.",
     [](const Args& a) -> Outs { return {op::kthvalue(a.tensor(0), a.i64(1), a.i64(2), a.boolean(3))}; }},
    {"kthvalue_indices(Tensor input, int k, int dim=-1, bool keepdim=False) -> Tensor",
     "The int64 index of kthvalue's value.",
     [](const Args& a) -> Outs { return {op::kthvalue_indices(a.tensor(0), a.i64(1), a.i64(2), a.boolean(3))}; }, false},
});

}  // namespace
}  // namespace gs
