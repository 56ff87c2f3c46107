// Activations. Kernels are written for stability at the extremes (PyTorch's
// formulas); backward formulas are ordinary ops, so they differentiate again.
#include "activation.h"

#include <cmath>

#include "../autograd.h"
#include "../kernels.h"
#include "../registry.h"
#include "ops.h"

namespace gs::op {

namespace {
template <class F>
Tensor float_map(const Tensor& x, F f) {
  if (!is_floating(x.dtype())) throw DTypeError(std::string("expected a floating point tensor, got ") + dtype_name(x.dtype()));
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  ctx().add_flops(4 * out.numel());
  if (out.is_meta()) return out;
  GS_DISPATCH_FLOAT(x.dtype(), T, { map_unary<T, T>(out, x, [&](T v) { return static_cast<T>(f(v)); }); });
  return out;
}
}  // namespace

Tensor sigmoid(const Tensor& x) {
  Tensor out = float_map(x, [](auto v) {
    using T = decltype(v);
    // Never exponentiate a large positive number.
    if (v >= 0) return T{1} / (T{1} + std::exp(-v));
    T e = std::exp(v);
    return e / (T{1} + e);
  });
  return record(out, "sigmoid", {x}, [](const Tensor& g, const BackwardCtx& c) -> Grads {
    return {mul(g, mul(c.out, rsub(c.out, 1.0)))};
  });
}

Tensor tanh(const Tensor& x) {
  Tensor out = float_map(x, [](auto v) { return std::tanh(v); });
  return record(out, "tanh", {x}, [](const Tensor& g, const BackwardCtx& c) -> Grads {
    return {mul(g, rsub(square(c.out), 1.0))};
  });
}

Tensor relu(const Tensor& x) {
  // where(x > 0, x, 0): gradient 0 at 0, as PyTorch's threshold_backward.
  return where(gt(x, Tensor::scalar(0.0, DType::Int64)), x, zeros_like(x));
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  if (x.dim() == 0) return sub(x, x.detach());
  int64_t d = wrap_dim(dim, x.dim());
  return sub(x, logsumexp(x, {d}, true));
}

Tensor softmax(const Tensor& x, int64_t dim) { return exp(log_softmax(x, dim)); }

}  // namespace gs::op

namespace gs {
namespace {
const OpRegistrar reg({
    {"sigmoid(Tensor input) -> Tensor", "1 / (1 + exp(-input)), stable for any input.",
     [](const Args& a) -> Outs { return {op::sigmoid(a.tensor(0))}; }},
    {"tanh(Tensor input) -> Tensor", "Hyperbolic tangent.", [](const Args& a) -> Outs { return {op::tanh(a.tensor(0))}; }},
    {"relu(Tensor input) -> Tensor", "max(input, 0); gradient 0 at 0.", [](const Args& a) -> Outs { return {op::relu(a.tensor(0))}; }},
    {"softmax(Tensor input, int dim) -> Tensor", "exp(input) / sum(exp(input)) along dim, computed stably.",
     [](const Args& a) -> Outs { return {op::softmax(a.tensor(0), a.i64(1))}; }},
    {"log_softmax(Tensor input, int dim) -> Tensor", "input - logsumexp(input) along dim.",
     [](const Args& a) -> Outs { return {op::log_softmax(a.tensor(0), a.i64(1))}; }},
});
}  // namespace
}  // namespace gs
