// Losses, composed from differentiable ops so every loss has gradients of
// any order.
#include "loss.h"

#include <cmath>
#include <sstream>

#include "../autograd.h"
#include "../kernels.h"
#include "../registry.h"
#include "ops.h"

namespace gs::op {

Reduction parse_reduction(const std::string& s) {
  if (s == "none") return Reduction::None;
  if (s == "mean") return Reduction::Mean;
  if (s == "sum") return Reduction::Sum;
  throw ValueError(s + " is not a valid value for reduction (expected 'none', 'mean' or 'sum')");
}

Tensor apply_reduction(const Tensor& loss, Reduction r) {
  switch (r) {
    case Reduction::None: return loss;
    case Reduction::Mean: return mean(loss);
    case Reduction::Sum: return sum(loss);
  }
  return loss;
}

namespace loss_detail {

Tensor integer_values(const Tensor& t, const std::string& what) {
  if (t.dtype() == DType::Int64) return t;
  if (t.dtype() == DType::Bool)
    throw DTypeError(what + " must hold integers (int64, or integer-valued floats), got a bool tensor");
  if (!t.is_meta()) {
    GS_DISPATCH_FLOAT(t.dtype(), T, {
      const T* p = t.data<T>();
      for (int64_t i = 0; i < t.numel(); ++i) {
        const double v = static_cast<double>(p[i]);
        if (!(std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 9.0e15))
          throw ValueError(what + " must hold integer values (it is cast to int64), but element " + std::to_string(i) +
                           " is " + fmt_number(v));
      }
    });
  }
  return cast_raw(t.detach(), DType::Int64);
}

std::string torch_size(const Shape& s) {
  std::string r = "torch.Size([";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "])";
}

std::string fmt_number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

Tensor num(double v, const Tensor& like) { return Tensor::scalar(v, is_floating(like.dtype()) ? like.dtype() : DType::Float32); }

Tensor relu_strict(const Tensor& x) { return where(gt(x, num(0.0, x)), x, num(0.0, x)); }

Tensor clamp_min_value_only(const Tensor& x, double lo) {
  Tensor xd = x.detach();
  Tensor shift;
  {
    GradModeGuard no_grad(false);
    shift = sub(clamp(xd, num(lo, xd), Tensor()), xd);
  }
  return add(x, shift);
}

void require_floating(const Tensor& x, const char* what) {
  if (!is_floating(x.dtype()))
    throw DTypeError(std::string(what) + ": expected a floating point tensor, got " + dtype_name(x.dtype()));
}

}  // namespace loss_detail

namespace {

// mse_loss reduced to one number, as one op each way: the loss is most small
// networks' last op, and as sub, square and mean it cost six tensors and six
// dispatches forward and backward. Each value is what those ops compute, in
// the same order and types (so the same bits): d = x - t and d * d in T,
// summed in double, rounded to T, then divided by the count in T; the
// gradient g / n (mean), times d * 2, in T, and its negation for the target.
// Under create_graph the backward is written with those differentiable ops.
Tensor mse_reduced(const Tensor& x, const Tensor& t, Reduction r) {
  Tensor out = Tensor::empty({}, x.dtype());
  const int64_t n = x.numel();
  ctx().add_flops(3 * n + 1);
  if (!out.is_meta()) {
    GS_DISPATCH_FLOAT(x.dtype(), T, {
      const T* xp = x.data<T>();
      const T* tp = t.data<T>();
      double acc = 0.0;
      for (int64_t i0 = 0; i0 < n; i0 += kCancelCheckElements) {
        const int64_t i1 = std::min(n, i0 + kCancelCheckElements);
        for (int64_t i = i0; i < i1; ++i) {
          const T d = xp[i] - tp[i];
          acc += static_cast<double>(static_cast<T>(d * d));
        }
        if (i1 < n) ctx().check_cancel();
      }
      T v = static_cast<T>(acc);
      if (r == Reduction::Mean) v = v / static_cast<T>(static_cast<double>(n));
      *out.data<T>() = v;
    });
  }
  return record(out, "mse_loss", {x, t}, [x, t, r, n](const Tensor& g, const BackwardCtx& c) -> Grads {
    const Tensor count = Tensor::scalar(static_cast<double>(n), DType::Float64);
    if (ctx().grad_mode || g.dtype() != x.dtype() || g.numel() != 1) {
      Tensor gs = r == Reduction::Mean ? div(g, count) : g;
      Tensor gx = mul(gs, mul(sub(x, t), 2.0));
      return {c.need(0) ? gx : Tensor(), c.need(1) ? mul(gx, -1.0) : Tensor()};
    }
    Tensor gx = c.need(0) ? Tensor::empty(x.shape(), x.dtype()) : Tensor();
    Tensor gt = c.need(1) ? Tensor::empty(x.shape(), x.dtype()) : Tensor();
    ctx().add_flops(3 * n);
    if (ctx().meta) return {gx, gt};
    GS_DISPATCH_FLOAT(x.dtype(), T, {
      T gs = *g.data<T>();
      if (r == Reduction::Mean) gs = gs / static_cast<T>(static_cast<double>(n));
      const T* xp = x.data<T>();
      const T* tp = t.data<T>();
      T* gxp = gx.defined() ? gx.data<T>() : nullptr;
      T* gtp = gt.defined() ? gt.data<T>() : nullptr;
      for (int64_t i0 = 0; i0 < n; i0 += kCancelCheckElements) {
        const int64_t i1 = std::min(n, i0 + kCancelCheckElements);
        for (int64_t i = i0; i < i1; ++i) {
          const T v = gs * ((xp[i] - tp[i]) * T{2});
          if (gxp) gxp[i] = v;
          if (gtp) gtp[i] = v * T{-1};
        }
        if (i1 < n) ctx().check_cancel();
      }
    });
    return {gx, gt};
  });
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction r) {
  if (r != Reduction::None && input.dtype() == target.dtype() && is_floating(input.dtype()) && input.shape() == target.shape())
    return mse_reduced(input, target, r);
  return apply_reduction(square(sub(input, target)), r);
}

namespace {

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

// The class dimension: 0 for an unbatched [C] input, else 1.
int64_t class_dim(const Tensor& input) { return input.dim() == 1 ? 0 : 1; }

// Shape [1, .., C, .., 1] with C at the class dim, for broadcasting per-class values.
Shape class_shape(const Tensor& input, int64_t cdim) {
  Shape s(static_cast<size_t>(input.dim()), 1);
  s[static_cast<size_t>(cdim)] = input.shape()[static_cast<size_t>(cdim)];
  return s;
}

// PyTorch's nll_loss_nd / nll_loss / nll_loss2d checks, in its wording.
void check_index_target(const Tensor& input, const Tensor& target) {
  if (input.dim() < 1) throw ValueError("Expected 1 or more dimensions (got " + std::to_string(input.dim()) + ")");
  if (target.dtype() != DType::Int64)
    throw DTypeError(std::string("expected scalar type Long but found ") + torch_type_name(target.dtype()));
  if (input.dim() == 1) {
    if (target.dim() != 0)
      throw ShapeError("size mismatch (got input: " + shape_str(input.shape()) + ", target: " + shape_str(target.shape()) +
                       "); an unbatched [C] input takes a 0-d target");
    return;
  }
  if (target.dim() == 0)
    throw ShapeError("Expected input batch_size (" + std::to_string(input.size(0)) + ") to match target batch_size (0-d target).");
  if (input.size(0) != target.size(0))
    throw ShapeError("Expected input batch_size (" + std::to_string(input.size(0)) + ") to match target batch_size (" +
                     std::to_string(target.size(0)) + ").");
  if (input.dim() == 2) {
    if (target.dim() != 1) throw ShapeError("0D or 1D target tensor expected, multi-target not supported");
    return;
  }
  Shape expected{input.size(0)};
  expected.insert(expected.end(), input.shape().begin() + 2, input.shape().end());
  if (target.shape() == expected) return;
  if (input.dim() == 4) {
    if (target.dim() != 3)
      throw ShapeError("only batches of spatial targets supported (3D tensors) but got targets of dimension: " +
                       std::to_string(target.dim()));
    throw ShapeError("size mismatch (got input: " + shape_str(input.shape()) + ", target: " + shape_str(target.shape()) + ")");
  }
  throw ShapeError("Expected target size " + shape_str(expected) + ", got " + shape_str(target.shape()));
}

void check_weight(const Tensor& weight, int64_t n_classes, const char* prefix) {
  if (!weight.defined()) return;
  if (!is_floating(weight.dtype()))
    throw DTypeError(std::string(prefix) + "weight must be a floating point tensor, got " + dtype_name(weight.dtype()));
  if (weight.dim() != 1 || weight.numel() != n_classes)
    throw ShapeError(std::string(prefix) + "weight tensor should be defined either for all " + std::to_string(n_classes) +
                     " classes or no classes but got weight tensor of shape: " + shape_str(weight.shape()));
}

// Target values come from the client: each must be a class or ignore_index.
void check_target_values(const Tensor& target, int64_t n_classes, int64_t ignore_index) {
  if (target.is_meta()) return;
  const int64_t* p = target.data<int64_t>();
  for (int64_t i = 0; i < target.numel(); ++i)
    if (p[i] != ignore_index && (p[i] < 0 || p[i] >= n_classes))
      throw IndexError("Target " + std::to_string(p[i]) + " is out of bounds.");
}

// Per-sample pieces of nll_loss on log-probabilities, target's shape:
// loss = -weight[t] * logp[t] (0 where ignored), w = weight[t] (0 where
// ignored; 1 without weights), valid = target != ignore_index.
struct Picked {
  Tensor loss, w, valid;
};

// The class pick is a gather along the class dim (its gradient is a
// scatter_add, whose gradient is a gather: differentiable to any order).
// Ignored targets read class 0 and are masked out after the pick.
Picked pick_targets(const Tensor& logp, const Tensor& target, const Tensor& weight, int64_t ignore_index) {
  const int64_t cdim = class_dim(logp);
  Picked p;
  p.valid = ne(target, Tensor::scalar(static_cast<double>(ignore_index), DType::Int64));
  Tensor idx = where(p.valid, target, Tensor::scalar(0.0, DType::Int64));
  Tensor zero = Tensor::scalar(0.0, logp.dtype());
  Tensor picked = squeeze(gather(logp, cdim, unsqueeze(idx, cdim)), {cdim});
  picked = where(p.valid, picked, zero);
  Tensor nll = rsub(picked, 0.0);  // 0 - picked: +0, not -0, where ignored
  if (weight.defined()) {
    Tensor w = to_dtype(weight.detach(), logp.dtype());
    p.w = where(p.valid, reshape(gather(w, 0, reshape(idx, {idx.numel()})), idx.shape()), zero);
    p.loss = mul(nll, p.w);
  } else {
    p.w = to_dtype(p.valid, logp.dtype());
    p.loss = nll;
  }
  return p;
}

// mean divides by the summed weight of the non-ignored targets (NaN when
// every target is ignored, as PyTorch).
Tensor reduce_weighted(const Tensor& loss, const Tensor& w, Reduction r) {
  switch (r) {
    case Reduction::None: return loss;
    case Reduction::Sum: return sum(loss);
    case Reduction::Mean: return div(sum(loss), sum(w));
  }
  return loss;
}

void require_floating_input(const Tensor& input, const char* kernel) {
  if (!is_floating(input.dtype()))
    throw DTypeError(std::string("\"") + kernel + "\" not implemented for '" + torch_type_name(input.dtype()) + "'");
}

// Class-probability targets: -sum(target * log_softmax(input) [* weight]) over classes.
Tensor cross_entropy_prob_target(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction r,
                                 double label_smoothing) {
  const int64_t cdim = class_dim(input);
  const int64_t n_classes = input.size(cdim);
  check_weight(weight, n_classes, "cross_entropy: ");
  Tensor logp = log_softmax(input, cdim);
  Tensor t = target;
  if (label_smoothing > 0.0) t = add(mul(t, 1.0 - label_smoothing), label_smoothing / static_cast<double>(n_classes));
  Tensor prod = mul(logp, t);
  if (weight.defined()) prod = mul(prod, reshape(to_dtype(weight, logp.dtype()), class_shape(input, cdim)));
  switch (r) {
    case Reduction::None: return neg(sum(prod, {cdim}));
    case Reduction::Sum: return neg(sum(prod));
    case Reduction::Mean: {
      // Divides by the number of samples (numel / C); NaN for an empty input.
      const double samples = n_classes == 0 ? 0.0 : static_cast<double>(input.numel() / n_classes);
      return div(neg(sum(prod)), Tensor::scalar(samples, logp.dtype()));
    }
  }
  return prod;
}

}  // namespace

Tensor nll_loss(const Tensor& input, const Tensor& target_in, const Tensor& weight, int64_t ignore_index, Reduction r) {
  // Integer-valued float class indices (the JSON default dtype) are cast.
  const Tensor target = is_floating(target_in.dtype()) ? loss_detail::integer_values(target_in, "nll_loss: target (class indices)")
                                                        : target_in;
  check_index_target(input, target);
  require_floating_input(input, "nll_loss_out_frame");
  const int64_t n_classes = input.size(class_dim(input));
  check_weight(weight, n_classes, "");
  check_target_values(target, n_classes, ignore_index);
  Picked p = pick_targets(input, target, weight, ignore_index);
  return reduce_weighted(p.loss, p.w, r);
}

Tensor cross_entropy(const Tensor& input, const Tensor& target_in, const Tensor& weight, int64_t ignore_index, Reduction r,
                     double label_smoothing) {
  Tensor target = target_in;
  if (input.dim() < 1) throw ValueError("Expected 1 or more dimensions (got " + std::to_string(input.dim()) + ")");
  const int64_t cdim = class_dim(input);
  require_floating_input(input, cdim == input.dim() - 1 ? "log_softmax_lastdim_kernel_impl" : "log_softmax_kernel_impl");
  if (label_smoothing > 1.0)
    throw ValueError("label_smoothing must be between 0.0 and 1.0. Got: " + fmt_number(label_smoothing));
  if (target.shape() == input.shape()) {
    // Same shape: class probabilities.
    if (!is_floating(target.dtype()))
      throw DTypeError(std::string("Expected floating point type for target with class probabilities, got ") +
                       torch_type_name(target.dtype()));
    if (ignore_index >= 0) throw ValueError("ignore_index is not supported for floating point target");
    return cross_entropy_prob_target(input, target, weight, r, label_smoothing);
  }
  if (is_floating(target.dtype()) && target.dim() == input.dim())
    throw ShapeError("Expected target size " + shape_str(input.shape()) +
                     " (class probabilities have the input's shape) or class indices of dtype int64, got " +
                     dtype_name(target.dtype()) + " target of size " + shape_str(target.shape()));
  // A float target of the class-index shape holds class indices: cast when integer-valued.
  if (is_floating(target.dtype())) target = loss_detail::integer_values(target, "cross_entropy: target (class indices)");
  check_index_target(input, target);
  const int64_t n_classes = input.size(cdim);
  check_weight(weight, n_classes, "");
  check_target_values(target, n_classes, ignore_index);

  Tensor logp = log_softmax(input, cdim);
  Picked p = pick_targets(logp, target, weight, ignore_index);
  Tensor nll = reduce_weighted(p.loss, p.w, r);
  if (!(label_smoothing > 0.0)) return nll;

  // PyTorch's cross_entropy_loss_label_smoothing: the smoothing term is
  // -sum_c logp[c] (times weight[c]), 0 where the target is ignored, and a
  // mean divides it by the same summed target weight as the nll term.
  Tensor smooth = weight.defined()
                      ? neg(sum(mul(logp, reshape(to_dtype(weight.detach(), logp.dtype()), class_shape(input, cdim))), {cdim}))
                      : neg(sum(logp, {cdim}));
  smooth = where(p.valid, smooth, Tensor::scalar(0.0, logp.dtype()));
  Tensor smooth_red = reduce_weighted(smooth, p.w, r);
  return add(mul(nll, 1.0 - label_smoothing), mul(smooth_red, label_smoothing / static_cast<double>(n_classes)));
}

}  // namespace gs::op

namespace gs {
namespace {
const OpRegistrar reg({
    {"mse_loss(Tensor input, Tensor target, str reduction=\"mean\") -> Tensor", "Mean squared error: (input - target)^2, reduced.",
     [](const Args& a) -> Outs { return {op::mse_loss(a.tensor(0), a.tensor(1), op::parse_reduction(a.str(2)))}; }},
    {"cross_entropy(Tensor input, Tensor target, Tensor? weight=None, int ignore_index=-100, str reduction=\"mean\", "
     "float label_smoothing=0.0) -> Tensor",
     "nll_loss(log_softmax(input, class dim), target); target holds class indices (int64) or class probabilities (input's shape).",
     [](const Args& a) -> Outs {
       op::Reduction r = op::parse_reduction(a.str(4));
       return {op::cross_entropy(a.tensor(0), a.tensor(1), a.opt_tensor(2), a.i64(3), r, a.f64(5))};
     }},
    {"nll_loss(Tensor input, Tensor target, Tensor? weight=None, int ignore_index=-100, str reduction=\"mean\") -> Tensor",
     "Negative log-likelihood: -weight[target] * input[target] over the class dim (input holds log-probabilities).",
     [](const Args& a) -> Outs {
       op::Reduction r = op::parse_reduction(a.str(4));
       return {op::nll_loss(a.tensor(0), a.tensor(1), a.opt_tensor(2), a.i64(3), r)};
     }},
});
}  // namespace
}  // namespace gs
