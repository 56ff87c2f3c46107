// Activations. Each op is a forward kernel written for stability at the
// extremes (PyTorch's formulas), followed by its gradient written with
// ordinary ops, so it differentiates again (derivatives.yaml style). Masks
// such as x > 0 are comparisons: constants to autograd, as in PyTorch.
#include "activation.h"

#include <cmath>
#include <sstream>

#include "../autograd.h"
#include "../kernels.h"
#include "../registry.h"
#include "ops.h"

namespace gs::op {

namespace {

// PyTorch's name for a dtype in "not implemented for 'Long'" messages.
// A number as C++ streams (and PyTorch's messages) print it: 1.5, not 1.500000.
std::string fmt_number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

const char* torch_type_name(DType d) {
  switch (d) {
    case DType::Float32: return "Float";
    case DType::Float64: return "Double";
    case DType::Int64: return "Long";
    case DType::Bool: return "Bool";
  }
  return "?";
}

// Float-only activations reject integer input with PyTorch's message.
void require_floating(const Tensor& x, const char* kernel) {
  if (!is_floating(x.dtype()))
    throw DTypeError(std::string("\"") + kernel + "\" not implemented for '" + torch_type_name(x.dtype()) + "'");
}

// Integer inputs of sigmoid/tanh are computed in float32, as PyTorch does.
Tensor as_floating(const Tensor& x) { return is_floating(x.dtype()) ? x : to_dtype(x, DType::Float32); }

// A first-order backward written as one kernel: out = f(g, y) with y the op's
// output. It computes what the ops of the differentiable formula compute, in
// the same order and type (so the same bits), in one pass and one tensor
// instead of two or three (sigmoid and tanh backward are most of a small
// network's backward). Under create_graph the formula's ops run instead,
// so the gradient differentiates again; also when g and y differ in dtype.
template <class F, class Formula>
Tensor fused_backward(const Tensor& g, const Tensor& y, int64_t flops, F f, Formula formula) {
  if (ctx().grad_mode || g.dtype() != y.dtype() || !is_floating(y.dtype())) return formula();
  Tensor out = Tensor::empty(g.shape() == y.shape() ? y.shape() : broadcast_shapes(g.shape(), y.shape()), y.dtype());
  ctx().add_flops(flops * out.numel());
  if (out.is_meta()) return out;
  GS_DISPATCH_FLOAT(y.dtype(), T, { map_binary<T, T>(out, g, y, [&](T gv, T yv) { return static_cast<T>(f(gv, yv)); }); });
  return out;
}

// out[i] = f(x[i]) for a floating x; `flops` per element go to the cost tally.
template <class F>
Tensor float_map(const Tensor& x, int64_t flops, F f) {
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  ctx().add_flops(flops * out.numel());
  if (out.is_meta()) return out;
  GS_DISPATCH_FLOAT(x.dtype(), T, { map_unary<T, T>(out, x, [&](T v) { return static_cast<T>(f(v)); }); });
  return out;
}

// A Python number with x's dtype (lowest priority in type promotion).
Tensor num(double v, const Tensor& like) { return Tensor::scalar(v, is_floating(like.dtype()) ? like.dtype() : DType::Float32); }

// Masks; comparisons carry no gradient.
Tensor positive(const Tensor& x) { return gt(x, num(0.0, x)); }
Tensor inside_closed(const Tensor& x, double lo, double hi) { return logical_and(ge(x, num(lo, x)), le(x, num(hi, x))); }
Tensor inside_open(const Tensor& x, double lo, double hi) { return logical_and(gt(x, num(lo, x)), lt(x, num(hi, x))); }

// g where keep is true, else 0.
Tensor keep_where(const Tensor& keep, const Tensor& g) { return where(keep, g, num(0.0, g)); }

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kSqrt1_2 = 0.70710678118654752440;      // 1/sqrt(2)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;   // 1/sqrt(2*pi)
constexpr double kGeluBeta = 0.79788456080286535588;     // sqrt(2/pi)
constexpr double kGeluKappa = 0.044715;

// scale * (x > 0 ? x : alpha * (exp(x * input_scale) - 1)): elu, selu and celu.
Tensor elu_family(const Tensor& x, double alpha, double scale, double input_scale, const char* name, const char* kernel) {
  require_floating(x, kernel);
  const double negcoef = alpha * scale;
  Tensor out = float_map(x, 4, [=](auto v) {
    using T = decltype(v);
    return v > T{0} ? static_cast<T>(scale) * v : static_cast<T>(negcoef) * std::expm1(v * static_cast<T>(input_scale));
  });
  return record(out, name, {x}, [x, scale, negcoef, input_scale](const Tensor& g, const BackwardCtx&) -> Grads {
    // The exponential branch reads min(x, 0) (via where, so the gradient at
    // 0 is whole): exp never overflows, so no 0 * inf in any order.
    Tensor pos = positive(x);
    Tensor xneg = where(pos, num(0.0, x), x);
    Tensor dneg = mul(exp(mul(xneg, input_scale)), negcoef * input_scale);
    return {mul(g, where(pos, num(scale, x), dneg))};
  });
}

// Softmax and log-softmax along dim d, shifted by the row maximum; exp in
// the tensor's type (as PyTorch), sums accumulated in double. Rows along d
// are strided by `inner`; the inner index runs contiguously.
template <bool Log>
Tensor softmax_kernel(const Tensor& x, int64_t d) {
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  ctx().add_flops(5 * out.numel());
  if (out.is_meta() || out.numel() == 0) return out;
  int64_t outer = 1, n = 1, inner = 1;
  for (int64_t i = 0; i < x.dim(); ++i) {
    int64_t s = x.shape()[static_cast<size_t>(i)];
    if (i < d) outer *= s;
    else if (i == d) n = s;
    else inner *= s;
  }
  GS_DISPATCH_FLOAT(x.dtype(), T, {
    const T* xp = x.data<T>();
    T* op = out.data<T>();
    std::vector<T> mx(static_cast<size_t>(inner));
    std::vector<double> sm(static_cast<size_t>(inner));
    int64_t since_check = 0;
    for (int64_t o = 0; o < outer; ++o) {
      const T* xb = xp + o * n * inner;
      T* ob = op + o * n * inner;
      std::fill(mx.begin(), mx.end(), -std::numeric_limits<T>::infinity());
      std::fill(sm.begin(), sm.end(), 0.0);
      for (int64_t k = 0; k < n; ++k)
        for (int64_t i = 0; i < inner; ++i) mx[i] = std::max(mx[i], xb[k * inner + i]);
      for (int64_t k = 0; k < n; ++k)
        for (int64_t i = 0; i < inner; ++i) {
          T e = std::exp(xb[k * inner + i] - mx[i]);
          if constexpr (!Log) ob[k * inner + i] = e;
          sm[i] += static_cast<double>(e);
        }
      if constexpr (Log) {
        for (int64_t i = 0; i < inner; ++i) sm[i] = std::log(sm[i]);
        for (int64_t k = 0; k < n; ++k)
          for (int64_t i = 0; i < inner; ++i) ob[k * inner + i] = xb[k * inner + i] - mx[i] - static_cast<T>(sm[i]);
      } else {
        for (int64_t i = 0; i < inner; ++i) sm[i] = 1.0 / sm[i];
        for (int64_t k = 0; k < n; ++k)
          for (int64_t i = 0; i < inner; ++i) ob[k * inner + i] = static_cast<T>(ob[k * inner + i] * sm[i]);
      }
      since_check += n * inner;
      if (since_check >= kCancelCheckElements) { ctx().check_cancel(); since_check = 0; }
    }
  });
  return out;
}

const char* softmax_kernel_name(bool log, int64_t d, int64_t ndim) {
  bool last = ndim == 0 || d == ndim - 1;
  if (log) return last ? "log_softmax_lastdim_kernel_impl" : "log_softmax_kernel_impl";
  return last ? "softmax_lastdim_kernel_impl" : "softmax_kernel_impl";
}

}  // namespace

Tensor sigmoid(const Tensor& x0) {
  Tensor x = as_floating(x0);
  Tensor out = float_map(x, 4, [](auto v) {
    using T = decltype(v);
    // Never exponentiate a large positive number.
    if (v >= 0) return T{1} / (T{1} + std::exp(-v));
    T e = std::exp(v);
    return e / (T{1} + e);
  });
  return record(out, "sigmoid", {x}, [](const Tensor& g, const BackwardCtx& c) -> Grads {
    return {fused_backward(
        g, c.out, 3,
        [](auto gv, auto yv) {
          using T = decltype(yv);
          return gv * (yv * (T{1} - yv));
        },
        [&] { return mul(g, mul(c.out, rsub(c.out, 1.0))); })};
  });
}

Tensor tanh(const Tensor& x0) {
  Tensor x = as_floating(x0);
  Tensor out = float_map(x, 4, [](auto v) { return std::tanh(v); });
  return record(out, "tanh", {x}, [](const Tensor& g, const BackwardCtx& c) -> Grads {
    return {fused_backward(
        g, c.out, 3,
        [](auto gv, auto yv) {
          using T = decltype(yv);
          return gv * (T{1} - yv * yv);
        },
        [&] { return mul(g, rsub(square(c.out), 1.0)); })};
  });
}

Tensor relu(const Tensor& x) {
  if (x.dtype() == DType::Bool) throw DTypeError("Boolean inputs not supported for relu");
  // clamp_min(x, 0): NaN stays NaN; integer tensors stay integer.
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  ctx().add_flops(out.numel());
  if (!out.is_meta()) {
    GS_DISPATCH_ALL(x.dtype(), T, { map_unary<T, T>(out, x, [](T v) { return v < T{0} ? T{0} : v; }); });
  }
  // PyTorch's threshold_backward(grad, result, 0): gradient 0 where out <= 0 (so at 0).
  return record(out, "relu", {x}, [](const Tensor& g, const BackwardCtx& c) -> Grads {
    // When nothing records this gradient (first-order backward), one fused
    // pass; otherwise the differentiable composition.
    if (!(ctx().grad_mode && g.requires_grad()) && g.dtype() == c.out.dtype() && g.shape() == c.out.shape() && is_floating(g.dtype())) {
      Tensor r = Tensor::empty(g.shape(), g.dtype());
      ctx().add_flops(r.numel());
      if (!r.is_meta())
        GS_DISPATCH_FLOAT(g.dtype(), T, { map_binary<T, T>(r, g, c.out, [](T gv, T ov) { return ov <= T{0} ? T{0} : gv; }); });
      return {r};
    }
    return {where(le(c.out, num(0.0, c.out)), num(0.0, g), g)};
  });
}

Tensor leaky_relu(const Tensor& x, double slope) {
  require_floating(x, "leaky_relu_cpu");
  Tensor out = float_map(x, 2, [slope](auto v) {
    using T = decltype(v);
    return v > T{0} ? v : v * static_cast<T>(slope);
  });
  // Gradient at 0 is negative_slope (PyTorch: x > 0 ? grad : grad * slope).
  return record(out, "leaky_relu", {x}, [x, slope](const Tensor& g, const BackwardCtx&) -> Grads {
    return {where(positive(x), g, mul(g, slope))};
  });
}

Tensor elu(const Tensor& x, double alpha) { return elu_family(x, alpha, 1.0, 1.0, "elu", "elu_cpu"); }

Tensor selu(const Tensor& x) { return elu_family(x, kSeluAlpha, kSeluScale, 1.0, "selu", "elu_cpu"); }

Tensor celu(const Tensor& x, double alpha) {
  if (alpha == 0.0) throw ValueError("ZeroDivisionError: alpha cannot be 0 for CELU");
  return elu_family(x, alpha, 1.0, 1.0 / alpha, "celu", "elu_cpu");
}

Tensor gelu(const Tensor& x, const std::string& approximate) {
  if (approximate != "none" && approximate != "tanh") throw ValueError("approximate argument must be either none or tanh.");
  require_floating(x, "GeluKernelImpl");
  if (approximate == "none") {
    // x * Phi(x), Phi the standard normal CDF.
    Tensor out = float_map(x, 6, [](auto v) {
      using T = decltype(v);
      return static_cast<T>(0.5) * v * (T{1} + std::erf(v * static_cast<T>(kSqrt1_2)));
    });
    return record(out, "gelu", {x}, [x](const Tensor& g, const BackwardCtx&) -> Grads {
      // Phi(x) + x * phi(x)
      Tensor cdf = mul(add(erf(mul(x, kSqrt1_2)), 1.0), 0.5);
      Tensor pdf = mul(exp(mul(square(x), -0.5)), kInvSqrt2Pi);
      return {mul(g, add(cdf, mul(x, pdf)))};
    });
  }
  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  Tensor out = float_map(x, 10, [](auto v) {
    using T = decltype(v);
    T inner = static_cast<T>(kGeluBeta) * (v + static_cast<T>(kGeluKappa) * v * v * v);
    return static_cast<T>(0.5) * v * (T{1} + std::tanh(inner));
  });
  return record(out, "gelu", {x}, [x](const Tensor& g, const BackwardCtx&) -> Grads {
    Tensor x2 = square(x);
    Tensor t = tanh(mul(add(x, mul(mul(x2, x), kGeluKappa)), kGeluBeta));
    Tensor left = mul(add(t, 1.0), 0.5);
    Tensor right = mul(mul(mul(x, 0.5), rsub(square(t), 1.0)), mul(add(mul(x2, 3.0 * kGeluKappa), 1.0), kGeluBeta));
    return {mul(g, add(left, right))};
  });
}

Tensor silu(const Tensor& x) {
  require_floating(x, "silu_cpu");
  Tensor out = float_map(x, 4, [](auto v) {
    using T = decltype(v);
    return v / (T{1} + std::exp(-v));
  });
  return record(out, "silu", {x}, [x](const Tensor& g, const BackwardCtx&) -> Grads {
    // s * (1 + x * (1 - s))
    Tensor s = sigmoid(x);
    return {mul(g, mul(s, add(mul(x, rsub(s, 1.0)), 1.0)))};
  });
}

Tensor mish(const Tensor& x) {
  require_floating(x, "mish_cpu");
  Tensor out = float_map(x, 8, [](auto v) { return v * std::tanh(std::log1p(std::exp(v))); });
  return record(out, "mish", {x}, [x](const Tensor& g, const BackwardCtx&) -> Grads {
    // tanh(sp) + x * sigmoid(x) * (1 - tanh(sp)^2); softplus with its
    // threshold keeps every order finite for large x.
    Tensor tsp = tanh(softplus(x, 1.0, 20.0));
    Tensor s = sigmoid(x);
    return {mul(g, add(tsp, mul(mul(x, s), rsub(square(tsp), 1.0))))};
  });
}

Tensor softplus(const Tensor& x, double beta, double threshold) {
  require_floating(x, "softplus_cpu");
  Tensor out = float_map(x, 4, [beta, threshold](auto v) {
    using T = decltype(v);
    T z = v * static_cast<T>(beta);
    return z > static_cast<T>(threshold) ? v : std::log1p(std::exp(z)) / static_cast<T>(beta);
  });
  // Above the threshold the op is the identity: gradient exactly 1 there.
  return record(out, "softplus", {x}, [x, beta, threshold](const Tensor& g, const BackwardCtx&) -> Grads {
    Tensor z = mul(x, beta);
    return {where(gt(z, num(threshold, z)), g, mul(g, sigmoid(z)))};
  });
}

Tensor softsign(const Tensor& x) { return div(x, add(abs(x), 1.0)); }

Tensor hardtanh(const Tensor& x, double lo, double hi) {
  if (x.dtype() == DType::Bool) throw DTypeError("Bool inputs not supported for hardtanh");
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  ctx().add_flops(2 * out.numel());
  if (!out.is_meta()) {
    GS_DISPATCH_ALL(x.dtype(), T, {
      const T l = convert<T>(lo), h = convert<T>(hi);
      map_unary<T, T>(out, x, [l, h](T v) { return v < l ? l : (v > h ? h : v); });
    });
  }
  // PyTorch's hardtanh_backward: zero at x <= min_val or x >= max_val.
  return record(out, "hardtanh", {x}, [x, lo, hi](const Tensor& g, const BackwardCtx&) -> Grads {
    return {keep_where(inside_open(x, lo, hi), g)};
  });
}

Tensor relu6(const Tensor& x) { return hardtanh(x, 0.0, 6.0); }

Tensor hardsigmoid(const Tensor& x) {
  require_floating(x, "hardsigmoid_cpu");
  Tensor out = float_map(x, 4, [](auto v) {
    using T = decltype(v);
    return std::min(std::max(v + T{3}, T{0}), T{6}) / T{6};
  });
  // 1/6 strictly inside (-3, 3), else 0.
  return record(out, "hardsigmoid", {x}, [x](const Tensor& g, const BackwardCtx&) -> Grads {
    // PyTorch's kernel multiplies by the float constant 1.0f / 6.0f, also for float64.
    return {keep_where(inside_open(x, -3.0, 3.0), mul(g, static_cast<double>(1.0f / 6.0f)))};
  });
}

Tensor hardswish(const Tensor& x) {
  require_floating(x, "hardswish_cpu");
  Tensor out = float_map(x, 5, [](auto v) {
    using T = decltype(v);
    return v * std::min(std::max(v + T{3}, T{0}), T{6}) / T{6};
  });
  // PyTorch (scalar kernel): 0 for x < -3, x/3 + 1/2 for x <= 3, 1 above
  // (its vectorised CPU path gives 1 at exactly x = 3). The second
  // derivative (1/3) lives strictly inside (-3, 3): the slope reads a copy of
  // x that is detached at the two boundary points.
  return record(out, "hardswish", {x}, [x](const Tensor& g, const BackwardCtx&) -> Grads {
    Tensor xs = where(inside_open(x, -3.0, 3.0), x, x.detach());
    Tensor mid = mul(g, add(div(xs, num(3.0, xs)), 0.5));
    return {where(lt(x, num(-3.0, x)), num(0.0, g), where(le(x, num(3.0, x)), mid, g))};
  });
}

Tensor logsigmoid(const Tensor& x) {
  require_floating(x, "log_sigmoid_cpu");
  // min(x, 0) - log1p(exp(-|x|)): no overflow at either end.
  Tensor out = float_map(x, 5, [](auto v) {
    using T = decltype(v);
    return std::min(v, T{0}) - std::log1p(std::exp(-std::fabs(v)));
  });
  return record(out, "logsigmoid", {x}, [x](const Tensor& g, const BackwardCtx&) -> Grads {
    return {mul(g, sigmoid(neg(x)))};
  });
}

Tensor hardshrink(const Tensor& x, double lambd) {
  require_floating(x, "hardshrink_cpu");
  Tensor out = float_map(x, 2, [lambd](auto v) {
    using T = decltype(v);
    const T l = static_cast<T>(lambd);
    return (v >= -l && v <= l) ? T{0} : v;
  });
  return record(out, "hardshrink", {x}, [x, lambd](const Tensor& g, const BackwardCtx&) -> Grads {
    return {where(inside_closed(x, -lambd, lambd), num(0.0, g), g)};
  });
}

Tensor softshrink(const Tensor& x, double lambd) {
  if (lambd < 0) throw ValueError("lambda must be greater or equal to 0, but found to be " + fmt_number(lambd) + ".");
  require_floating(x, "softshrink_cpu");
  Tensor out = float_map(x, 3, [lambd](auto v) {
    using T = decltype(v);
    const T l = static_cast<T>(lambd);
    return v > l ? v - l : (v < -l ? v + l : v * T{0});  // NaN stays NaN
  });
  return record(out, "softshrink", {x}, [x, lambd](const Tensor& g, const BackwardCtx&) -> Grads {
    return {where(inside_closed(x, -lambd, lambd), num(0.0, g), g)};
  });
}

Tensor tanhshrink(const Tensor& x) { return sub(x, tanh(x)); }

Tensor threshold(const Tensor& x, double th, double value) {
  if (x.dtype() == DType::Bool) throw DTypeError("\"threshold_cpu\" not implemented for 'Bool'");
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  ctx().add_flops(out.numel());
  if (!out.is_meta()) {
    GS_DISPATCH_ALL(x.dtype(), T, {
      const T t = convert<T>(th), val = convert<T>(value);
      map_unary<T, T>(out, x, [t, val](T v) { return v <= t ? val : v; });
    });
  }
  return record(out, "threshold", {x}, [x, th](const Tensor& g, const BackwardCtx&) -> Grads {
    return {where(le(x, num(th, x)), num(0.0, g), g)};
  });
}

Tensor prelu(const Tensor& x, const Tensor& weight) {
  if (x.dim() == 0) throw ShapeError("Not allow zero-dim input tensor.");
  require_floating(x, "prelu_cpu");
  require_floating(weight, "prelu_cpu");
  if (weight.dim() > 1)
    throw ShapeError("prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = " + std::to_string(weight.dim()));
  const int64_t channels = x.dim() > 1 ? x.size(1) : 1;
  if (weight.numel() != 1 && weight.numel() != channels)
    throw ShapeError("Mismatch of parameter numbers and input channel size. Found parameter numbers = " +
                     std::to_string(weight.numel()) + " and channel size = " + std::to_string(channels) + ".");
  // weight broadcasts along the channel dim (1); gradient at 0 is weight.
  Shape ws(static_cast<size_t>(x.dim()), 1);
  if (weight.numel() != 1) ws[1] = channels;
  return where(positive(x), x, mul(reshape(weight, ws), x));
}

int64_t legacy_softmax_dim(int64_t ndim) { return (ndim == 0 || ndim == 1 || ndim == 3) ? 0 : 1; }

Tensor softmax(const Tensor& x, int64_t dim) {
  const int64_t d = wrap_dim(dim, x.dim());
  require_floating(x, softmax_kernel_name(false, d, x.dim()));
  Tensor out = softmax_kernel<false>(x, d);
  // out * (g - sum(g * out))
  return record(out, "softmax", {x}, [d](const Tensor& g, const BackwardCtx& c) -> Grads {
    return {mul(c.out, sub(g, sum(mul(g, c.out), {d}, true)))};
  });
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  const int64_t d = wrap_dim(dim, x.dim());
  require_floating(x, softmax_kernel_name(true, d, x.dim()));
  Tensor out = softmax_kernel<true>(x, d);
  // g - exp(out) * sum(g)
  return record(out, "log_softmax", {x}, [d](const Tensor& g, const BackwardCtx& c) -> Grads {
    return {sub(g, mul(exp(c.out), sum(g, {d}, true)))};
  });
}

Tensor softmin(const Tensor& x, int64_t dim) { return softmax(neg(x), dim); }

}  // namespace gs::op

namespace gs {
namespace {

// softmax & co.: dim None uses the legacy rule; dtype casts the input first.
template <Tensor (*F)(const Tensor&, int64_t), bool Negate>
Outs softmax_entry(const Args& a) {
  Tensor x = a.tensor(0);
  if (Negate) x = op::neg(x);
  if (!a.is_none(2)) x = op::to_dtype(x, dtype_from_name(a.str(2)));
  const int64_t dim = a.is_none(1) ? op::legacy_softmax_dim(x.dim()) : a.i64(1);
  return {F(x, dim)};
}

const OpRegistrar reg({
    {"sigmoid(Tensor input) -> Tensor", "1 / (1 + exp(-input)), stable for any input.",
     [](const Args& a) -> Outs { return {op::sigmoid(a.tensor(0))}; }},
    {"tanh(Tensor input) -> Tensor", "Hyperbolic tangent.", [](const Args& a) -> Outs { return {op::tanh(a.tensor(0))}; }},
    {"relu(Tensor input) -> Tensor", "max(input, 0); gradient 0 at 0.", [](const Args& a) -> Outs { return {op::relu(a.tensor(0))}; }},
    {"leaky_relu(Tensor input, float negative_slope=0.01) -> Tensor", "input if input > 0 else negative_slope * input.",
     [](const Args& a) -> Outs { return {op::leaky_relu(a.tensor(0), a.f64(1))}; }},
    {"elu(Tensor input, float alpha=1.0) -> Tensor", "input if input > 0 else alpha * (exp(input) - 1).",
     [](const Args& a) -> Outs { return {op::elu(a.tensor(0), a.f64(1))}; }},
    {"selu(Tensor input) -> Tensor", "scale * elu(input, alpha) with the self-normalising constants.",
     [](const Args& a) -> Outs { return {op::selu(a.tensor(0))}; }},
    {"celu(Tensor input, float alpha=1.0) -> Tensor", "max(0, input) + min(0, alpha * (exp(input / alpha) - 1)).",
     [](const Args& a) -> Outs { return {op::celu(a.tensor(0), a.f64(1))}; }},
    {"gelu(Tensor input, *, str approximate=\"none\") -> Tensor", "input * Phi(input); approximate=\"tanh\" uses the tanh formula.",
     [](const Args& a) -> Outs { return {op::gelu(a.tensor(0), a.str(1))}; }},
    {"silu(Tensor input) -> Tensor", "input * sigmoid(input) (swish).", [](const Args& a) -> Outs { return {op::silu(a.tensor(0))}; }},
    {"mish(Tensor input) -> Tensor", "input * tanh(softplus(input)).", [](const Args& a) -> Outs { return {op::mish(a.tensor(0))}; }},
    {"softplus(Tensor input, float beta=1, float threshold=20) -> Tensor",
     "log(1 + exp(beta * input)) / beta; input itself where beta * input > threshold.",
     [](const Args& a) -> Outs { return {op::softplus(a.tensor(0), a.f64(1), a.f64(2))}; }},
    {"softsign(Tensor input) -> Tensor", "input / (1 + |input|).", [](const Args& a) -> Outs { return {op::softsign(a.tensor(0))}; }},
    {"hardtanh(Tensor input, float min_val=-1.0, float max_val=1.0) -> Tensor",
     "Clip to [min_val, max_val]; gradient 0 at and beyond the bounds.",
     [](const Args& a) -> Outs { return {op::hardtanh(a.tensor(0), a.f64(1), a.f64(2))}; }},
    {"relu6(Tensor input) -> Tensor", "min(max(input, 0), 6) (hardtanh(input, 0, 6)).",
     [](const Args& a) -> Outs { return {op::relu6(a.tensor(0))}; }},
    {"hardsigmoid(Tensor input) -> Tensor", "relu6(input + 3) / 6.", [](const Args& a) -> Outs { return {op::hardsigmoid(a.tensor(0))}; }},
    {"hardswish(Tensor input) -> Tensor", "input * relu6(input + 3) / 6.", [](const Args& a) -> Outs { return {op::hardswish(a.tensor(0))}; }},
    {"logsigmoid(Tensor input) -> Tensor", "log(sigmoid(input)), stable for any input.",
     [](const Args& a) -> Outs { return {op::logsigmoid(a.tensor(0))}; }},
    {"hardshrink(Tensor input, float lambd=0.5) -> Tensor", "input where |input| > lambd, else 0.",
     [](const Args& a) -> Outs { return {op::hardshrink(a.tensor(0), a.f64(1))}; }},
    {"softshrink(Tensor input, float lambd=0.5) -> Tensor", "input - lambd above lambd, input + lambd below -lambd, else 0.",
     [](const Args& a) -> Outs { return {op::softshrink(a.tensor(0), a.f64(1))}; }},
    {"tanhshrink(Tensor input) -> Tensor", "input - tanh(input).", [](const Args& a) -> Outs { return {op::tanhshrink(a.tensor(0))}; }},
    {"threshold(Tensor input, float threshold, float value) -> Tensor", "input where input > threshold, else value.",
     [](const Args& a) -> Outs { return {op::threshold(a.tensor(0), a.f64(1), a.f64(2))}; }},
    {"prelu(Tensor input, Tensor weight) -> Tensor", "input if input > 0 else weight * input, weight per channel (dim 1) or shared.",
     [](const Args& a) -> Outs { return {op::prelu(a.tensor(0), a.tensor(1))}; }},
    {"softmax(Tensor input, int? dim=None, *, ScalarType? dtype=None) -> Tensor",
     "exp(input) / sum(exp(input)) along dim, computed stably.", softmax_entry<op::softmax, false>},
    {"log_softmax(Tensor input, int? dim=None, *, ScalarType? dtype=None) -> Tensor", "input - logsumexp(input) along dim.",
     softmax_entry<op::log_softmax, false>},
    {"softmin(Tensor input, int? dim=None, *, ScalarType? dtype=None) -> Tensor", "softmax(-input) along dim.",
     softmax_entry<op::softmax, true>},
});

}  // namespace
}  // namespace gs
