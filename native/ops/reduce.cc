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
  std::vector<bool> reduced;  // per input dim
  Shape keep_shape;           // keepdim=true shape
  Shape out_shape;            // the requested shape
  int64_t count = 1;          // elements reduced into each output
};

ReduceDims plan(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
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
std::vector<int64_t> out_strides(const ReduceDims& r) {
  auto st = contiguous_strides(r.keep_shape);
  for (size_t i = 0; i < st.size(); ++i)
    if (r.reduced[i]) st[i] = 0;
  return st;
}

// acc[o] = combine(acc[o], x[i]) over all input elements, acc pre-filled by init.
template <class Acc, class T, class F>
void reduce_into(std::vector<Acc>& acc, const Tensor& x, const ReduceDims& r, F combine) {
  std::array<std::vector<int64_t>, 2> st{out_strides(r), contiguous_strides(x.shape())};
  const T* xp = x.data<T>();
  Acc* a = acc.data();
  for_each_row<2>(x.shape(), st, [&](const std::array<int64_t, 2>& off, int64_t m, const std::array<int64_t, 2>& in) {
    Acc* ap = a + off[0];
    const T* p = xp + off[1];
    if (in[0] == 0) {
      Acc v = ap[0];
      for (int64_t j = 0; j < m; ++j) v = combine(v, static_cast<Acc>(p[j]));
      ap[0] = v;
    } else {
      for (int64_t j = 0; j < m; ++j) ap[j * in[0]] = combine(ap[j * in[0]], static_cast<Acc>(p[j]));
    }
  });
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
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

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  if (!is_floating(x.dtype()))
    throw DTypeError(std::string("mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ") +
                     (x.dtype() == DType::Int64 ? "Long" : "Bool"));
  ReduceDims r = plan(x, dims, keepdim);
  Tensor s = sum(x, dims, keepdim);
  // 0 elements give NaN, as in PyTorch.
  return div(s, Tensor::scalar(static_cast<double>(r.count), DType::Float32));
}

namespace {
// amax/amin kernel; NaN wins, as in PyTorch.
template <bool kMax>
Tensor extreme(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
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

Tensor amax(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) { return extreme<true>(x, dims, keepdim); }
Tensor amin(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) { return extreme<false>(x, dims, keepdim); }

Tensor logsumexp(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
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

}  // namespace gs::op

namespace gs {
namespace {

std::vector<int64_t> dims_or_all(const Args& a, size_t i) { return a.is_none(i) ? std::vector<int64_t>{} : a.ints(i); }

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
});

}  // namespace
}  // namespace gs
