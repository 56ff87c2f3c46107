// Regression and probabilistic losses: l1, smooth_l1, huber, poisson_nll,
// gaussian_nll, kl_div, binary_cross_entropy(_with_logits). PyTorch 1.13's
// formulas (torch/nn/functional.py, aten/src/ATen/native/Loss.cpp), composed
// from differentiable ops; binary_cross_entropy records PyTorch's own
// gradient formula (written with ops, so it differentiates again).
#include <cmath>

#include "../autograd.h"
#include "../kernels.h"
#include "../registry.h"
#include "loss.h"
#include "ops.h"

namespace gs::op {

using namespace loss_detail;

namespace {

Tensor floating_of(const Tensor& a, const Tensor& b) {
  // Integer inputs are computed in float32, as a Python float would promote them.
  DType dt = result_type({&a, &b});
  if (!is_floating(dt)) dt = DType::Float32;
  return Tensor::scalar(0.0, dt);
}

}  // namespace

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction r) {
  return apply_reduction(abs(sub(input, target)), r);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction r, double beta) {
  if (beta < 0) throw ValueError("smooth_l1_loss does not support negative values for beta.");
  if (beta == 0.0) return l1_loss(input, target, r);
  Tensor d = sub(input, target);
  Tensor z = abs(d);
  // |d| < beta: 0.5 d^2 / beta, else |d| - beta / 2.
  Tensor quad = mul(square(d), 0.5 / beta);
  Tensor lin = add(z, -0.5 * beta);
  return apply_reduction(where(lt(z, num(beta, z)), quad, lin), r);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction r, double delta) {
  if (!(delta > 0)) throw ValueError("huber_loss does not support non-positive values for delta.");
  Tensor d = sub(input, target);
  Tensor z = abs(d);
  // |d| < delta: 0.5 d^2, else delta (|d| - delta / 2).
  Tensor quad = mul(square(d), 0.5);
  Tensor lin = mul(add(z, -0.5 * delta), delta);
  return apply_reduction(where(lt(z, num(delta, z)), quad, lin), r);
}

Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, bool log_input, bool full, double eps, Reduction r) {
  Tensor loss = log_input ? sub(exp(input), mul(target, input)) : sub(input, mul(target, log(add(input, eps))));
  if (full) {
    // Stirling's approximation of log(target!) where target > 1, else 0:
    // target log(target) - target + 0.5 log(2 pi target). The log's
    // argument is made safe (1) where the term is masked out, so the masked
    // branch cannot send NaN into the gradient.
    Tensor tf = is_floating(target.dtype()) ? target : to_dtype(target, loss.dtype());
    Tensor big = gt(tf, num(1.0, tf));
    Tensor ts = where(big, tf, num(2.0, tf));
    Tensor lt_ = log(ts);
    Tensor st = add(sub(mul(ts, lt_), ts), mul(log(mul(ts, 2.0 * M_PI)), 0.5));
    loss = add(loss, where(big, st, num(0.0, st)));
  }
  return apply_reduction(loss, r);
}

Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var_in, bool full, double eps, Reduction r) {
  Tensor var = var_in;
  if (var.shape() != input.shape()) {
    Shape lead(input.shape().begin(), input.shape().empty() ? input.shape().end() : input.shape().end() - 1);
    if (lead == var.shape()) {
      // One dimension short: homoscedastic over the last dim.
      var = unsqueeze(var, -1);
    } else if (var.dim() >= 1 && lead == Shape(var.shape().begin(), var.shape().end() - 1) && var.shape().back() == 1) {
      // Last dim of size 1: broadcast over it.
    } else {
      throw ValueError("var is of incorrect size");
    }
  }
  if (!var.is_meta()) {
    Tensor neg_any;
    {
      GradModeGuard no_grad(false);
      neg_any = sum(to_dtype(lt(var.detach(), Tensor::scalar(0.0, DType::Float32)), DType::Int64));
    }
    if (neg_any.item() > 0) throw ValueError("var has negative entry/entries");
  }
  // PyTorch clamps var in place under no_grad: the value is max(var, eps),
  // the gradient is that of var itself.
  var = clamp_min_value_only(var, eps);
  Tensor loss = mul(add(log(var), div(square(sub(input, target)), var)), 0.5);
  if (full) loss = add(loss, 0.5 * std::log(2.0 * M_PI));
  return apply_reduction(loss, r);
}

Tensor kl_div(const Tensor& input, const Tensor& target, const std::string& reduction, bool log_target) {
  const bool batchmean = reduction == "batchmean";
  const Reduction r = batchmean ? Reduction::Sum : parse_reduction(reduction);
  Tensor loss;
  if (log_target) {
    loss = mul(exp(target), sub(target, input));
  } else {
    // xlogy(target, target) - target * input; xlogy is 0 where target == 0
    // (log(1) there, so the gradient is finite too).
    Tensor tf = is_floating(target.dtype()) ? target : to_dtype(target, floating_of(input, target).dtype());
    Tensor safe = where(eq(tf, num(0.0, tf)), num(1.0, tf), tf);
    loss = sub(mul(tf, log(safe)), mul(tf, input));
  }
  Tensor out = apply_reduction(loss, r);
  if (batchmean && input.dim() != 0) out = div(out, Tensor::scalar(static_cast<double>(input.size(0)), DType::Float64));
  return out;
}

namespace {

// Elementwise binary cross entropy with PyTorch's gradients:
// d/dinput = w (x - t) / max((1 - x) x, 1e-12), d/dtarget = -w logit(x).
Tensor bce_elementwise(const Tensor& x, const Tensor& t, const Tensor& w) {
  Tensor out;
  {
    GradModeGuard no_grad(false);
    Tensor xd = x.detach(), td = t.detach();
    Tensor lo = num(-100.0, xd);
    Tensor log_x = clamp(log(xd), lo, Tensor());
    Tensor log_1mx = clamp(log(rsub(xd, 1.0)), lo, Tensor());
    out = neg(add(mul(td, log_x), mul(rsub(td, 1.0), log_1mx)));
    if (w.defined()) out = mul(out, w);
  }
  return record(out, "binary_cross_entropy", {x, t}, [x, t, w](const Tensor& g, const BackwardCtx& c) -> Grads {
    Tensor gx, gt;
    Tensor gw = w.defined() ? mul(g, w) : g;
    if (c.need(0)) {
      Tensor denom = clamp(mul(rsub(x, 1.0), x), num(1e-12, x), Tensor());
      gx = div(mul(gw, sub(x, t)), denom);
    }
    if (c.need(1)) gt = mul(gw, sub(log1p(neg(x)), log(x)));
    return {gx, gt};
  });
}

}  // namespace

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction r) {
  if (target.shape() != input.shape())
    throw ValueError("Using a target size (" + torch_size(target.shape()) + ") that is different to the input size (" +
                     torch_size(input.shape()) + ") is deprecated. Please ensure they have the same size.");
  require_floating(input, "binary_cross_entropy");
  Tensor w;
  if (weight.defined()) {
    broadcast_shapes(target.shape(), weight.shape());  // PyTorch's message when they clash
    w = to_dtype(weight.detach(), input.dtype());
  }
  if (!input.is_meta()) {
    GS_DISPATCH_FLOAT(input.dtype(), T, {
      const T* p = input.data<T>();
      for (int64_t i = 0; i < input.numel(); ++i)
        if (!(p[i] >= T{0} && p[i] <= T{1})) throw ValueError("all elements of input should be between 0 and 1");
    });
  }
  Tensor t = is_floating(target.dtype()) ? target : to_dtype(target, input.dtype());
  return apply_reduction(bce_elementwise(input, t, w), r);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction r,
                                        const Tensor& pos_weight) {
  if (target.shape() != input.shape())
    throw ValueError("Target size (" + torch_size(target.shape()) + ") must be the same as input size (" +
                     torch_size(input.shape()) + ")");
  require_floating(input, "binary_cross_entropy_with_logits");
  Tensor t = is_floating(target.dtype()) ? target : to_dtype(target, input.dtype());
  // Stable for any logit: max_val = max(-x, 0), and
  // softplus(-x) = max_val + log(exp(-max_val) + exp(-x - max_val)).
  Tensor max_val = clamp(neg(input), num(0.0, input), Tensor());
  Tensor sp = add(max_val, log(add(exp(neg(max_val)), exp(sub(neg(input), max_val)))));
  Tensor loss;
  if (pos_weight.defined()) {
    // log_weight = (pos_weight - 1) * target + 1, pos_weight broadcast over the classes.
    Tensor pw = to_dtype(pos_weight.detach(), input.dtype());
    Tensor log_weight = add(mul(add(pw, -1.0), t), 1.0);
    loss = add(mul(rsub(t, 1.0), input), mul(log_weight, sp));
  } else {
    loss = add(mul(rsub(t, 1.0), input), sp);
  }
  if (weight.defined()) loss = mul(loss, to_dtype(weight.detach(), input.dtype()));
  return apply_reduction(loss, r);
}

}  // namespace gs::op

namespace gs {
namespace {

using op::parse_reduction;

const OpRegistrar reg({
    {"l1_loss(Tensor input, Tensor target, str reduction=\"mean\") -> Tensor", "Mean absolute error |input - target|, reduced.",
     [](const Args& a) -> Outs { return {op::l1_loss(a.tensor(0), a.tensor(1), parse_reduction(a.str(2)))}; }},
    {"smooth_l1_loss(Tensor input, Tensor target, str reduction=\"mean\", float beta=1.0) -> Tensor",
     "0.5 d^2 / beta where |d| < beta, else |d| - beta / 2 (d = input - target); beta=0 is l1_loss.",
     [](const Args& a) -> Outs { return {op::smooth_l1_loss(a.tensor(0), a.tensor(1), parse_reduction(a.str(2)), a.f64(3))}; }},
    {"huber_loss(Tensor input, Tensor target, str reduction=\"mean\", float delta=1.0) -> Tensor",
     "0.5 d^2 where |d| < delta, else delta (|d| - delta / 2) (d = input - target).",
     [](const Args& a) -> Outs { return {op::huber_loss(a.tensor(0), a.tensor(1), parse_reduction(a.str(2)), a.f64(3))}; }},
    {"poisson_nll_loss(Tensor input, Tensor target, bool log_input=True, bool full=False, float eps=1e-08, "
     "str reduction=\"mean\") -> Tensor",
     "Poisson negative log-likelihood: exp(input) - target input (log_input), else input - target log(input + eps); "
     "full adds Stirling's term where target > 1.",
     [](const Args& a) -> Outs {
       return {op::poisson_nll_loss(a.tensor(0), a.tensor(1), a.boolean(2), a.boolean(3), a.f64(4), parse_reduction(a.str(5)))};
     }},
    {"gaussian_nll_loss(Tensor input, Tensor target, Tensor var, bool full=False, float eps=1e-06, str reduction=\"mean\") -> Tensor",
     "Gaussian negative log-likelihood 0.5 (log(var) + (input - target)^2 / var); var has input's shape, one dim fewer, "
     "or a last dim of 1; clamped at eps (value only, as PyTorch).",
     [](const Args& a) -> Outs {
       return {op::gaussian_nll_loss(a.tensor(0), a.tensor(1), a.tensor(2), a.boolean(3), a.f64(4), parse_reduction(a.str(5)))};
     }},
    {"kl_div(Tensor input, Tensor target, str reduction=\"mean\", bool log_target=False) -> Tensor",
     "Kullback-Leibler divergence with input as log-probabilities: target (log target - input), or exp(target) (target - "
     "input) with log_target; reduction none, mean, sum or batchmean (sum / batch size).",
     [](const Args& a) -> Outs { return {op::kl_div(a.tensor(0), a.tensor(1), a.str(2), a.boolean(3))}; }},
    {"binary_cross_entropy(Tensor input, Tensor target, Tensor? weight=None, str reduction=\"mean\") -> Tensor",
     "-weight (target log(input) + (1 - target) log(1 - input)), log terms clamped at -100; input in [0, 1].",
     [](const Args& a) -> Outs {
       return {op::binary_cross_entropy(a.tensor(0), a.tensor(1), a.opt_tensor(2), parse_reduction(a.str(3)))};
     }},
    {"binary_cross_entropy_with_logits(Tensor input, Tensor target, Tensor? weight=None, str reduction=\"mean\", "
     "Tensor? pos_weight=None) -> Tensor",
     "binary_cross_entropy(sigmoid(input), target) computed stably from logits; pos_weight scales the positive term per class.",
     [](const Args& a) -> Outs {
       return {op::binary_cross_entropy_with_logits(a.tensor(0), a.tensor(1), a.opt_tensor(2), parse_reduction(a.str(3)),
                                                    a.opt_tensor(4))};
     }},
});

}  // namespace
}  // namespace gs
