// Elementwise ops. Each op is its kernel followed by its backward formula.
#include "elementwise.h"

#include <cmath>

#include "../autograd.h"
#include "../kernels.h"
#include "../registry.h"
#include "ops.h"

namespace gs::op {

namespace {

// out = f(a, b) in dtype `compute`, stored as `out_dtype`, with broadcasting.
template <class F>
Tensor binary(const Tensor& a, const Tensor& b, DType compute, DType out_dtype, F f) {
  Tensor out = Tensor::empty(a.shape() == b.shape() ? a.shape() : broadcast_shapes(a.shape(), b.shape()), out_dtype);
  ctx().add_flops(out.numel());
  if (out.is_meta()) return out;
  Tensor ac = cast_raw(a, compute), bc = cast_raw(b, compute);
  GS_DISPATCH_ALL(compute, T, {
    GS_DISPATCH_ALL(out_dtype, R, { map_binary<R, T>(out, ac, bc, [&](T x, T y) { return convert<R>(f(x, y)); }); });
  });
  return out;
}

// out = f(x) for floating ops; integer inputs are computed in float32, as PyTorch does.
template <class F>
Tensor unary_float(const Tensor& x, F f) {
  DType dt = is_floating(x.dtype()) ? x.dtype() : DType::Float32;
  Tensor out = Tensor::empty(x.shape(), dt);
  ctx().add_flops(out.numel());
  if (out.is_meta()) return out;
  Tensor xc = cast_raw(x, dt);
  GS_DISPATCH_FLOAT(dt, T, { map_unary<T, T>(out, xc, [&](T v) { return static_cast<T>(f(v)); }); });
  return out;
}

// out = f(x) keeping x's dtype (abs, neg, sign, rounding).
template <class F>
Tensor unary_same(const Tensor& x, F f) {
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  ctx().add_flops(out.numel());
  if (out.is_meta()) return out;
  GS_DISPATCH_ALL(x.dtype(), T, { map_unary<T, T>(out, x, [&](T v) { return convert<T>(f(v)); }); });
  return out;
}

DType arith_type(const Tensor& a, const Tensor& b) { return result_type({&a, &b}); }

// Whether record() would attach a node to a result of a and b. When not, the
// hot binary ops skip building its input list and closure (per-op dispatch
// cost on small tensors).
bool recording(const Tensor& a, const Tensor& b) { return ctx().grad_mode && (a.requires_grad() || b.requires_grad()); }

Tensor scalar_like(double v, const Tensor& like) {
  return Tensor::scalar(v, is_floating(like.dtype()) ? like.dtype() : (std::floor(v) == v ? DType::Int64 : DType::Float32));
}

// PyTorch's alpha_check. An integer result takes alpha as an integer: a
// non-integral, non-finite or out-of-range alpha would be converted with
// undefined behaviour (found by the libFuzzer target). A whole-number double
// passes, since a JSON number cannot say whether it was written `2` or `2.0`.
void check_alpha(DType dt, double alpha) {
  if (is_floating(dt)) return;
  if (!(alpha >= -9.2233720368547758e18 && alpha < 9.2233720368547758e18) || alpha != std::trunc(alpha))
    throw DTypeError("For integral input tensors, argument alpha must not be a floating point number.");
}

void no_bool_sub(DType dt) {
  if (dt == DType::Bool)
    throw DTypeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.");
}

}  // namespace

Tensor to_dtype(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  Tensor out = cast_raw(x, dtype);
  DType from = x.dtype();
  return record(out, "to_dtype", {x}, [from](const Tensor& g, const BackwardCtx&) -> Grads { return {to_dtype(g, from)}; });
}

Tensor add(const Tensor& a, const Tensor& b, double alpha) {
  DType dt = arith_type(a, b);
  check_alpha(dt, alpha);
  Tensor out = alpha == 1.0 ? binary(a, b, dt, dt, [](auto x, auto y) { return wrap_add(x, y); })
                            : binary(a, b, dt, dt, [alpha](auto x, auto y) { return x + static_cast<decltype(x)>(alpha) * y; });
  if (!recording(a, b)) return out;
  return record(out, "add", {a, b}, [alpha](const Tensor& g, const BackwardCtx& c) -> Grads {
    return {g, c.need(1) ? (alpha == 1.0 ? g : mul(g, alpha)) : Tensor()};
  });
}

Tensor sub(const Tensor& a, const Tensor& b, double alpha) {
  DType dt = arith_type(a, b);
  no_bool_sub(dt);
  check_alpha(dt, alpha);
  Tensor out = alpha == 1.0 ? binary(a, b, dt, dt, [](auto x, auto y) { return wrap_sub(x, y); })
                            : binary(a, b, dt, dt, [alpha](auto x, auto y) { return x - static_cast<decltype(x)>(alpha) * y; });
  if (!recording(a, b)) return out;
  return record(out, "sub", {a, b}, [alpha](const Tensor& g, const BackwardCtx& c) -> Grads {
    return {g, c.need(1) ? mul(g, -alpha) : Tensor()};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  DType dt = arith_type(a, b);
  Tensor out = binary(a, b, dt, dt, [](auto x, auto y) { return wrap_mul(x, y); });
  if (!recording(a, b)) return out;
  return record(out, "mul", {a, b}, [a, b](const Tensor& g, const BackwardCtx& c) -> Grads {
    return {c.need(0) ? mul(g, b) : Tensor(), c.need(1) ? mul(g, a) : Tensor()};
  });
}

Tensor div(const Tensor& a, const Tensor& b) {
  DType dt = arith_type(a, b);
  if (!is_floating(dt)) dt = DType::Float32;
  Tensor out = binary(a, b, dt, dt, [](auto x, auto y) { return x / y; });
  if (!recording(a, b)) return out;
  return record(out, "div", {a, b}, [a, b](const Tensor& g, const BackwardCtx& c) -> Grads {
    return {c.need(0) ? div(g, b) : Tensor(), c.need(1) ? neg(div(mul(g, a), mul(b, b))) : Tensor()};
  });
}

Tensor pow(const Tensor& a, const Tensor& b) {
  DType dt = arith_type(a, b);
  if (!is_floating(dt) && !b.is_meta() && b.dtype() == DType::Int64) {
    const int64_t* e = b.data<int64_t>();
    for (int64_t i = 0; i < b.numel(); ++i)
      if (e[i] < 0) throw ValueError("Integers to negative integer powers are not allowed.");
  }
  Tensor out = binary(a, b, dt, dt, [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_integral_v<T>) {
      T r = 1;
      for (T k = 0; k < y && k < 64; ++k) r = wrap_mul(r, x);
      return r;
    } else {
      return static_cast<T>(std::pow(x, y));
    }
  });
  return record(out, "pow", {a, b}, [a, b](const Tensor& g, const BackwardCtx& c) -> Grads {
    Tensor ga, gb;
    if (c.need(0)) {
      // d/da a^b = b * a^(b-1), taken as 0 where b == 0 (PyTorch's pow_backward).
      Tensor d = mul(b, pow(a, sub(b, Tensor::scalar(1.0, DType::Float32))));
      ga = mul(g, where(eq(b, zeros_like(b)), zeros_like(d), d));
    }
    if (c.need(1)) {
      // d/db a^b = a^b * log(a), taken as 0 where a == 0 and b >= 0.
      Tensor d = mul(c.out, log(a));
      Tensor mask = logical_and(eq(a, zeros_like(a)), ge(b, zeros_like(b)));
      gb = mul(g, where(mask, zeros_like(d), d));
    }
    return {ga, gb};
  });
}

Tensor maximum(const Tensor& a, const Tensor& b) {
  DType dt = arith_type(a, b);
  Tensor out = binary(a, b, dt, dt, [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_floating_point_v<T>) { if (std::isnan(x) || std::isnan(y)) return static_cast<T>(NAN); }
    return x > y ? x : y;
  });
  // Ties share the gradient equally, as PyTorch does.
  return record(out, "maximum", {a, b}, [a, b](const Tensor& g, const BackwardCtx& c) -> Grads {
    Tensor half = mul(g, 0.5);
    Tensor ga = c.need(0) ? where(gt(a, b), g, where(eq(a, b), half, zeros_like(g))) : Tensor();
    Tensor gb = c.need(1) ? where(lt(a, b), g, where(eq(a, b), half, zeros_like(g))) : Tensor();
    return {ga, gb};
  });
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  DType dt = arith_type(a, b);
  Tensor out = binary(a, b, dt, dt, [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_floating_point_v<T>) { if (std::isnan(x) || std::isnan(y)) return static_cast<T>(NAN); }
    return x < y ? x : y;
  });
  return record(out, "minimum", {a, b}, [a, b](const Tensor& g, const BackwardCtx& c) -> Grads {
    Tensor half = mul(g, 0.5);
    Tensor ga = c.need(0) ? where(lt(a, b), g, where(eq(a, b), half, zeros_like(g))) : Tensor();
    Tensor gb = c.need(1) ? where(gt(a, b), g, where(eq(a, b), half, zeros_like(g))) : Tensor();
    return {ga, gb};
  });
}

Tensor add(const Tensor& a, double s) { return add(a, scalar_like(s, a)); }
Tensor mul(const Tensor& a, double s) { return mul(a, scalar_like(s, a)); }
Tensor pow(const Tensor& a, double s) {
  if (s == 2.0) return square(a);
  return pow(a, scalar_like(s, a));
}
Tensor rsub(const Tensor& a, double s) { return sub(scalar_like(s, a), a); }

Tensor neg(const Tensor& x) {
  if (x.dtype() == DType::Bool)
    throw DTypeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  Tensor out = unary_same(x, [](auto v) { return wrap_sub(decltype(v){0}, v); });
  return record(out, "neg", {x}, [](const Tensor& g, const BackwardCtx&) -> Grads { return {neg(g)}; });
}

Tensor abs(const Tensor& x) {
  Tensor out = unary_same(x, [](auto v) {
    using T = decltype(v);
    if constexpr (std::is_same_v<T, uint8_t>) return v;
    else if constexpr (std::is_integral_v<T>) return v < 0 ? wrap_sub(T{0}, v) : v;
    else return std::fabs(v);
  });
  return record(out, "abs", {x}, [x](const Tensor& g, const BackwardCtx&) -> Grads { return {mul(g, sign(x))}; });
}

Tensor exp(const Tensor& x) {
  Tensor out = unary_float(x, [](auto v) { return std::exp(v); });
  return record(out, "exp", {x}, [](const Tensor& g, const BackwardCtx& c) -> Grads { return {mul(g, c.out)}; });
}

Tensor log(const Tensor& x) {
  Tensor out = unary_float(x, [](auto v) { return std::log(v); });
  return record(out, "log", {x}, [x](const Tensor& g, const BackwardCtx&) -> Grads { return {div(g, x)}; });
}

Tensor log1p(const Tensor& x) {
  Tensor out = unary_float(x, [](auto v) { return std::log1p(v); });
  return record(out, "log1p", {x}, [x](const Tensor& g, const BackwardCtx&) -> Grads { return {div(g, add(x, 1.0))}; });
}

Tensor expm1(const Tensor& x) {
  Tensor out = unary_float(x, [](auto v) { return std::expm1(v); });
  return record(out, "expm1", {x}, [](const Tensor& g, const BackwardCtx& c) -> Grads { return {mul(g, add(c.out, 1.0))}; });
}

Tensor sqrt(const Tensor& x) {
  Tensor out = unary_float(x, [](auto v) { return std::sqrt(v); });
  return record(out, "sqrt", {x}, [](const Tensor& g, const BackwardCtx& c) -> Grads { return {div(g, mul(c.out, 2.0))}; });
}

Tensor rsqrt(const Tensor& x) {
  Tensor out = unary_float(x, [](auto v) { return decltype(v){1} / std::sqrt(v); });
  // d/dx x^(-1/2) = -1/2 * out^3
  return record(out, "rsqrt", {x}, [](const Tensor& g, const BackwardCtx& c) -> Grads {
    return {mul(g, mul(pow(c.out, 3.0), -0.5))};
  });
}

Tensor sin(const Tensor& x) {
  Tensor out = unary_float(x, [](auto v) { return std::sin(v); });
  return record(out, "sin", {x}, [x](const Tensor& g, const BackwardCtx&) -> Grads { return {mul(g, cos(x))}; });
}

Tensor cos(const Tensor& x) {
  Tensor out = unary_float(x, [](auto v) { return std::cos(v); });
  return record(out, "cos", {x}, [x](const Tensor& g, const BackwardCtx&) -> Grads { return {mul(g, neg(sin(x)))}; });
}

Tensor reciprocal(const Tensor& x) {
  Tensor out = unary_float(x, [](auto v) { return decltype(v){1} / v; });
  return record(out, "reciprocal", {x}, [](const Tensor& g, const BackwardCtx& c) -> Grads {
    return {neg(mul(g, mul(c.out, c.out)))};
  });
}

Tensor square(const Tensor& x) {
  Tensor out = unary_same(x, [](auto v) { return wrap_mul(v, v); });
  if (x.dtype() == DType::Bool) return out;
  return record(out, "square", {x}, [x](const Tensor& g, const BackwardCtx&) -> Grads { return {mul(g, mul(x, 2.0))}; });
}

Tensor sign(const Tensor& x) {
  Tensor out = unary_same(x, [](auto v) {
    using T = decltype(v);
    if constexpr (std::is_floating_point_v<T>) { if (std::isnan(v)) return v; }
    return static_cast<T>((T{0} < v) - (v < T{0}));
  });
  return record(out, "sign", {x}, [](const Tensor& g, const BackwardCtx&) -> Grads { return {zeros_like(g)}; });
}

Tensor erf(const Tensor& x) {
  Tensor out = unary_float(x, [](auto v) { return std::erf(v); });
  // d/dx erf(x) = 2/sqrt(pi) * exp(-x^2)
  return record(out, "erf", {x}, [x](const Tensor& g, const BackwardCtx&) -> Grads {
    return {mul(g, mul(exp(neg(square(x))), 1.1283791670955126))};
  });
}

// Rounding has zero gradient almost everywhere, as in PyTorch.
#define GS_ROUNDING(NAME, EXPR)                                                                       \
  Tensor NAME(const Tensor& x) {                                                                      \
    Tensor out = unary_same(x, [](auto v) {                                                           \
      using T = decltype(v);                                                                          \
      if constexpr (std::is_floating_point_v<T>) return static_cast<T>(EXPR);                         \
      else return v;                                                                                  \
    });                                                                                               \
    return record(out, #NAME, {x}, [](const Tensor& g, const BackwardCtx&) -> Grads { return {zeros_like(g)}; }); \
  }
GS_ROUNDING(floor, std::floor(v))
GS_ROUNDING(ceil, std::ceil(v))
GS_ROUNDING(trunc, std::trunc(v))
#undef GS_ROUNDING

Tensor round(const Tensor& x, int64_t decimals) {
  // Round half to even, like torch.round (std::nearbyint in the default mode).
  Tensor out;
  if (decimals == 0) {
    out = unary_same(x, [](auto v) {
      using T = decltype(v);
      if constexpr (std::is_floating_point_v<T>) return static_cast<T>(std::nearbyint(v));
      else return v;
    });
  } else {
    if (!is_floating(x.dtype())) throw DTypeError("round with decimals is only supported for floating point tensors");
    double scale = std::pow(10.0, static_cast<double>(decimals));
    out = unary_same(x, [scale](auto v) {
      using T = decltype(v);
      if constexpr (std::is_floating_point_v<T>) return static_cast<T>(std::nearbyint(v * static_cast<T>(scale)) / static_cast<T>(scale));
      else return v;
    });
  }
  return record(out, "round", {x}, [](const Tensor& g, const BackwardCtx&) -> Grads { return {zeros_like(g)}; });
}

Tensor frac(const Tensor& x) {
  if (!is_floating(x.dtype())) throw DTypeError("\"frac_cpu\" not implemented for 'Long'");
  Tensor out = unary_same(x, [](auto v) { return v - std::trunc(v); });
  return record(out, "frac", {x}, [](const Tensor& g, const BackwardCtx&) -> Grads { return {g}; });
}

Tensor clamp(const Tensor& x, const Tensor& lo, const Tensor& hi) {
  if (!lo.defined() && !hi.defined()) throw ValueError("torch.clamp: At least one of 'min' or 'max' must not be None");
  // out = min(max(x, lo), hi), so hi wins when lo > hi; NaN propagates.
  DType dt = result_type({&x, &lo, &hi});
  Tensor out = cast_raw(x, dt);
  if (lo.defined())
    out = binary(out, lo, dt, dt, [](auto v, auto l) {
      if constexpr (std::is_floating_point_v<decltype(v)>) { if (std::isnan(v) || std::isnan(l)) return v + l; }
      return v < l ? l : v;
    });
  if (hi.defined())
    out = binary(out, hi, dt, dt, [](auto v, auto h) {
      if constexpr (std::is_floating_point_v<decltype(v)>) { if (std::isnan(v) || std::isnan(h)) return v + h; }
      return v > h ? h : v;
    });
  // PyTorch's clamp_backward_min_max: x gets the gradient where lo <= x <= hi
  // (inclusive); a bound gets it where it was the answer.
  return record(out, "clamp", {x, lo, hi}, [x, lo, hi](const Tensor& g, const BackwardCtx& c) -> Grads {
    Tensor zero = zeros_like(g);
    Tensor gx, glo, ghi;
    if (lo.defined() && hi.defined()) {
      if (c.need(0)) gx = where(logical_and(ge(x, lo), le(x, hi)), g, zero);
      if (c.need(1)) glo = where(logical_and(lt(x, lo), lt(lo, hi)), g, zero);
      if (c.need(2)) ghi = where(logical_or(gt(x, hi), lt(hi, lo)), g, zero);
    } else if (lo.defined()) {
      if (c.need(0)) gx = where(ge(x, lo), g, zero);
      if (c.need(1)) glo = where(lt(x, lo), g, zero);
    } else {
      if (c.need(0)) gx = where(le(x, hi), g, zero);
      if (c.need(2)) ghi = where(gt(x, hi), g, zero);
    }
    return {gx, glo, ghi};
  });
}

// Comparisons return bool and carry no gradient.
#define GS_COMPARE(NAME, OP)                                                                 \
  Tensor NAME(const Tensor& a, const Tensor& b) {                                            \
    DType dt = arith_type(a, b);                                                             \
    return binary(a, b, dt, DType::Bool, [](auto x, auto y) { return x OP y; });             \
  }
GS_COMPARE(eq, ==)
GS_COMPARE(ne, !=)
GS_COMPARE(lt, <)
GS_COMPARE(le, <=)
GS_COMPARE(gt, >)
GS_COMPARE(ge, >=)
#undef GS_COMPARE

Tensor logical_not(const Tensor& x) {
  Tensor out = Tensor::empty(x.shape(), DType::Bool);
  if (out.is_meta()) return out;
  GS_DISPATCH_ALL(x.dtype(), T, { map_unary<uint8_t, T>(out, x, [](T v) { return static_cast<uint8_t>(v == T{0}); }); });
  return out;
}

Tensor logical_and(const Tensor& a, const Tensor& b) {
  return binary(cast_raw(a, DType::Bool), cast_raw(b, DType::Bool), DType::Bool, DType::Bool, [](auto x, auto y) { return x && y; });
}

Tensor logical_or(const Tensor& a, const Tensor& b) {
  return binary(cast_raw(a, DType::Bool), cast_raw(b, DType::Bool), DType::Bool, DType::Bool, [](auto x, auto y) { return x || y; });
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  if (cond.dtype() != DType::Bool)
    throw DTypeError(std::string("where expected condition to be a boolean tensor, but got a tensor with dtype ") + dtype_name(cond.dtype()));
  DType dt = arith_type(a, b);
  Shape s = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape()), b.shape());
  Tensor out = Tensor::empty(s, dt);
  if (!out.is_meta()) {
    Tensor ac = cast_raw(a, dt), bc = cast_raw(b, dt);
    std::array<Shape, 4> st{contiguous_strides(s), broadcast_strides(cond.shape(), s),
                                           broadcast_strides(a.shape(), s), broadcast_strides(b.shape(), s)};
    const uint8_t* cp = cond.data<uint8_t>();
    GS_DISPATCH_ALL(dt, T, {
      T* o = out.data<T>();
      const T* xp = ac.data<T>();
      const T* yp = bc.data<T>();
      for_each_row<4>(s, st, [&](const std::array<int64_t, 4>& off, int64_t m, const std::array<int64_t, 4>& in) {
        // out is contiguous; unit-stride and scalar operands get loops the
        // compiler vectorises (the masks of activation gradients).
        T* orow = o + off[0];
        const uint8_t* crow = cp + off[1];
        const T* xrow = xp + off[2];
        const T* yrow = yp + off[3];
        if (in[1] == 1 && in[2] == 1 && in[3] == 1) {
          for (int64_t j = 0; j < m; ++j) orow[j] = crow[j] ? xrow[j] : yrow[j];
        } else if (in[1] == 1 && in[2] == 1 && in[3] == 0) {
          const T yv = yrow[0];
          for (int64_t j = 0; j < m; ++j) orow[j] = crow[j] ? xrow[j] : yv;
        } else if (in[1] == 1 && in[2] == 0 && in[3] == 1) {
          const T xv = xrow[0];
          for (int64_t j = 0; j < m; ++j) orow[j] = crow[j] ? xv : yrow[j];
        } else {
          for (int64_t j = 0; j < m; ++j) orow[j * in[0]] = crow[j * in[1]] ? xrow[j * in[2]] : yrow[j * in[3]];
        }
      });
    });
  }
  return record(out, "where", {cond, a, b}, [cond](const Tensor& g, const BackwardCtx& c) -> Grads {
    Tensor zero = zeros_like(g);
    return {Tensor(), c.need(1) ? where(cond, g, zero) : Tensor(), c.need(2) ? where(cond, zero, g) : Tensor()};
  });
}

}  // namespace gs::op

namespace gs {
namespace {

Tensor div_with_mode(const Tensor& a, const Tensor& b, const std::optional<std::string>& mode) {
  if (!mode) return op::div(a, b);
  Tensor q = op::div(a, b);
  if (*mode == "trunc") q = op::trunc(q);
  else if (*mode == "floor") q = op::floor(q);
  else throw ValueError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '" + *mode + "'");
  DType dt = result_type({&a, &b});
  return is_floating(dt) ? q : op::to_dtype(q, dt);
}

const OpRegistrar reg({
    {"to(Tensor input, ScalarType dtype) -> Tensor", "input converted to dtype (x.float(), x.double(), x.long() in programs).",
     [](const Args& a) -> Outs { return {op::to_dtype(a.tensor(0), dtype_from_name(a.str(1)))}; }},
    {"add(Tensor input, Tensor other, *, Scalar alpha=1) -> Tensor", "input + alpha * other, with broadcasting (`+`).",
     [](const Args& a) -> Outs { return {op::add(a.tensor(0), a.tensor(1), a.f64(2))}; }},
    {"sub(Tensor input, Tensor other, *, Scalar alpha=1) -> Tensor", "input - alpha * other, with broadcasting (`-`).",
     [](const Args& a) -> Outs { return {op::sub(a.tensor(0), a.tensor(1), a.f64(2))}; }},
    {"mul(Tensor input, Tensor other) -> Tensor", "Elementwise product, with broadcasting (`*`).",
     [](const Args& a) -> Outs { return {op::mul(a.tensor(0), a.tensor(1))}; }},
    {"div(Tensor input, Tensor other, *, str? rounding_mode=None) -> Tensor", "True division (`/`); rounding_mode 'trunc' or 'floor'.",
     [](const Args& a) -> Outs { return {div_with_mode(a.tensor(0), a.tensor(1), a.opt_str(2))}; }},
    {"pow(Tensor input, Tensor exponent) -> Tensor", "input ** exponent, elementwise (`**`).",
     [](const Args& a) -> Outs { return {op::pow(a.tensor(0), a.tensor(1))}; }},
    {"maximum(Tensor input, Tensor other) -> Tensor", "Elementwise maximum; ties share the gradient.",
     [](const Args& a) -> Outs { return {op::maximum(a.tensor(0), a.tensor(1))}; }},
    {"minimum(Tensor input, Tensor other) -> Tensor", "Elementwise minimum; ties share the gradient.",
     [](const Args& a) -> Outs { return {op::minimum(a.tensor(0), a.tensor(1))}; }},
    {"neg(Tensor input) -> Tensor", "-input (unary `-`).", [](const Args& a) -> Outs { return {op::neg(a.tensor(0))}; }},
    {"abs(Tensor input) -> Tensor", "|input|; gradient sign(input) (0 at 0).", [](const Args& a) -> Outs { return {op::abs(a.tensor(0))}; }},
    {"exp(Tensor input) -> Tensor", "e ** input.", [](const Args& a) -> Outs { return {op::exp(a.tensor(0))}; }},
    {"log(Tensor input) -> Tensor", "Natural logarithm.", [](const Args& a) -> Outs { return {op::log(a.tensor(0))}; }},
    {"log1p(Tensor input) -> Tensor", "log(1 + input), accurate near 0.", [](const Args& a) -> Outs { return {op::log1p(a.tensor(0))}; }},
    {"expm1(Tensor input) -> Tensor", "exp(input) - 1, accurate near 0.", [](const Args& a) -> Outs { return {op::expm1(a.tensor(0))}; }},
    {"sqrt(Tensor input) -> Tensor", "Square root.", [](const Args& a) -> Outs { return {op::sqrt(a.tensor(0))}; }},
    {"rsqrt(Tensor input) -> Tensor", "1 / sqrt(input).", [](const Args& a) -> Outs { return {op::rsqrt(a.tensor(0))}; }},
    {"sin(Tensor input) -> Tensor", "Sine.", [](const Args& a) -> Outs { return {op::sin(a.tensor(0))}; }},
    {"cos(Tensor input) -> Tensor", "Cosine.", [](const Args& a) -> Outs { return {op::cos(a.tensor(0))}; }},
    {"reciprocal(Tensor input) -> Tensor", "1 / input.", [](const Args& a) -> Outs { return {op::reciprocal(a.tensor(0))}; }},
    {"square(Tensor input) -> Tensor", "input * input.", [](const Args& a) -> Outs { return {op::square(a.tensor(0))}; }},
    {"sign(Tensor input) -> Tensor", "-1, 0 or 1; zero gradient.", [](const Args& a) -> Outs { return {op::sign(a.tensor(0))}; }},
    {"erf(Tensor input) -> Tensor", "The error function.", [](const Args& a) -> Outs { return {op::erf(a.tensor(0))}; }},
    {"floor(Tensor input) -> Tensor", "Round down; zero gradient.", [](const Args& a) -> Outs { return {op::floor(a.tensor(0))}; }},
    {"ceil(Tensor input) -> Tensor", "Round up; zero gradient.", [](const Args& a) -> Outs { return {op::ceil(a.tensor(0))}; }},
    {"round(Tensor input, *, int decimals=0) -> Tensor", "Round half to even; zero gradient.",
     [](const Args& a) -> Outs { return {op::round(a.tensor(0), a.i64(1))}; }},
    {"trunc(Tensor input) -> Tensor", "Round toward zero; zero gradient.", [](const Args& a) -> Outs { return {op::trunc(a.tensor(0))}; }},
    {"frac(Tensor input) -> Tensor", "input - trunc(input); gradient 1.", [](const Args& a) -> Outs { return {op::frac(a.tensor(0))}; }},
    {"clamp(Tensor input, Tensor? min=None, Tensor? max=None) -> Tensor", "Clip to [min, max]; gradient 1 inside (bounds included).",
     [](const Args& a) -> Outs { return {op::clamp(a.tensor(0), a.opt_tensor(1), a.opt_tensor(2))}; }},
    {"eq(Tensor input, Tensor other) -> Tensor", "input == other, as bool (`==`).", [](const Args& a) -> Outs { return {op::eq(a.tensor(0), a.tensor(1))}; }, false},
    {"ne(Tensor input, Tensor other) -> Tensor", "input != other, as bool (`!=`).", [](const Args& a) -> Outs { return {op::ne(a.tensor(0), a.tensor(1))}; }, false},
    {"lt(Tensor input, Tensor other) -> Tensor", "input < other, as bool (`<`).", [](const Args& a) -> Outs { return {op::lt(a.tensor(0), a.tensor(1))}; }, false},
    {"le(Tensor input, Tensor other) -> Tensor", "input <= other, as bool (`<=`).", [](const Args& a) -> Outs { return {op::le(a.tensor(0), a.tensor(1))}; }, false},
    {"gt(Tensor input, Tensor other) -> Tensor", "input > other, as bool (`>`).", [](const Args& a) -> Outs { return {op::gt(a.tensor(0), a.tensor(1))}; }, false},
    {"ge(Tensor input, Tensor other) -> Tensor", "input >= other, as bool (`>=`).", [](const Args& a) -> Outs { return {op::ge(a.tensor(0), a.tensor(1))}; }, false},
    {"logical_not(Tensor input) -> Tensor", "Elementwise NOT, as bool.", [](const Args& a) -> Outs { return {op::logical_not(a.tensor(0))}; }, false},
    {"logical_and(Tensor input, Tensor other) -> Tensor", "Elementwise AND, as bool.", [](const Args& a) -> Outs { return {op::logical_and(a.tensor(0), a.tensor(1))}; }, false},
    {"logical_or(Tensor input, Tensor other) -> Tensor", "Elementwise OR, as bool.", [](const Args& a) -> Outs { return {op::logical_or(a.tensor(0), a.tensor(1))}; }, false},
    {"where(Tensor condition, Tensor input, Tensor other) -> Tensor", "input where condition is true, else other.",
     [](const Args& a) -> Outs { return {op::where(a.tensor(0), a.tensor(1), a.tensor(2))}; }},
});

}  // namespace
}  // namespace gs
