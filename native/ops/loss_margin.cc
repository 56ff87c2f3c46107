// Margin and embedding losses, and the distances they use: margin_ranking,
// hinge_embedding, soft_margin, cosine_embedding, multilabel_margin,
// multilabel_soft_margin, multi_margin, triplet_margin(_with_distance),
// pairwise_distance, cosine_similarity. PyTorch 1.13's formulas and checks
// (aten/src/ATen/native/Loss.cpp, LossMultiLabelMargin.cpp,
// LossMultiMargin.cpp, Distance.cpp), composed from differentiable ops. The
// class picks of the multi-class margin losses are gathers with index
// tensors built from the (checked) targets, so they differentiate to any
// order, which PyTorch cannot do for multi_margin/multilabel_margin.
#include <cmath>

#include "../autograd.h"
#include "../kernels.h"
#include "../registry.h"
#include "loss.h"
#include "ops.h"

namespace gs::op {

using namespace loss_detail;

namespace {

Tensor as_float(const Tensor& x, const Tensor& like) {
  if (is_floating(x.dtype())) return x;
  return to_dtype(x, is_floating(like.dtype()) ? like.dtype() : DType::Float32);
}

}  // namespace

Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim) {
  // norm(x1 - x2 + eps, p) over the innermost dim of the broadcast shape.
  const int64_t out_dim = std::max(x1.dim(), x2.dim());
  Tensor d = add(sub(x1, x2), eps);
  if (!is_floating(d.dtype())) d = to_dtype(d, DType::Float32);
  return norm(d, p, {out_dim - 1}, keepdim);
}

Tensor cosine_similarity(const Tensor& x1_in, const Tensor& x2_in, int64_t dim, double eps) {
  const DType dt = result_type({&x1_in, &x2_in});
  if (!is_floating(dt))
    throw DTypeError(std::string("expected common dtype to be floating point, yet common dtype is ") +
                     (dt == DType::Int64 ? "Long" : "Bool"));
  const Shape common = broadcast_shapes(x1_in.shape(), x2_in.shape());
  Tensor x1 = expand(to_dtype(x1_in, dt), common);
  Tensor x2 = expand(to_dtype(x2_in, dt), common);
  const int64_t d = wrap_dim(dim, static_cast<int64_t>(common.size()));
  // Each input is divided by its norm first; the squared norms are clamped
  // at eps^2 in value only (PyTorch clamps them in place under no_grad).
  Tensor n1 = sqrt(clamp_min_value_only(sum(square(x1), {d}, true), eps * eps));
  Tensor n2 = sqrt(clamp_min_value_only(sum(square(x2), {d}, true), eps * eps));
  return sum(mul(div(x1, n1), div(x2, n2)), {d});
}

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin, Reduction r) {
  if (input1.dim() != input2.dim() || input1.dim() != target.dim())
    throw ShapeError("margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: " +
                     torch_size(input1.shape()) + ", input2: " + torch_size(input2.shape()) +
                     ", target: " + torch_size(target.shape()) + " ");
  // max(0, -target (input1 - input2) + margin)
  Tensor diff = sub(input1, input2);
  Tensor v = add(neg(mul(as_float(target, diff), diff)), margin);
  return apply_reduction(clamp(v, num(0.0, v), Tensor()), r);
}

Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target, double margin, Reduction r) {
  Tensor x = as_float(input, input);
  Tensor zero = num(0.0, x);
  Tensor margin_clamp = clamp(rsub(x, margin), zero, Tensor());
  Tensor one = Tensor::scalar(1.0, DType::Float32);
  Tensor out_margin = where(ne(target, one), margin_clamp, zero);
  Tensor out_self = where(ne(target, neg(one)), x, zero);
  return apply_reduction(add(out_margin, out_self), r);
}

Tensor soft_margin_loss(const Tensor& input, const Tensor& target, Reduction r) {
  Tensor x = as_float(input, input);
  return apply_reduction(log1p(exp(neg(mul(x, as_float(target, x))))), r);
}

Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin, Reduction r) {
  const int64_t td = target.dim();
  if (td != 0 && td != 1) throw ShapeError("0D or 1D target tensor expected, multi-target not supported");
  if (td == 1) {
    if (input1.dim() != 2 || input2.dim() != 2)
      throw ShapeError("1D target tensor expects 2D input tensors, but found inputs with sizes " + shape_str(input1.shape()) +
                       " and " + shape_str(input2.shape()) + ".");
  } else if (input1.dim() != 1 || input2.dim() != 1) {
    throw ShapeError("0D target tensor expects 1D input tensors, but found inputs with sizes " + shape_str(input1.shape()) +
                     " and " + shape_str(input2.shape()) + ".");
  }
  const double kEps = 1e-12;
  Tensor a = as_float(input1, input1), b = as_float(input2, input2);
  Tensor prod = sum(mul(a, b), {td});
  Tensor m1 = add(sum(mul(a, a), {td}), kEps);
  Tensor m2 = add(sum(mul(b, b), {td}), kEps);
  Tensor cos = div(prod, sqrt(mul(m1, m2)));
  Tensor zero = num(0.0, cos);
  Tensor pos = rsub(cos, 1.0);
  Tensor negv = clamp(add(cos, -margin), zero, Tensor());
  Tensor one = Tensor::scalar(1.0, DType::Float32);
  Tensor out = add(where(eq(target, one), pos, zero), where(eq(target, neg(one)), negv, zero));
  return apply_reduction(out, r);
}

Tensor multilabel_margin_loss(const Tensor& input, const Tensor& target_in, Reduction r) {
  const int64_t nd = input.dim();
  const bool valid = (nd == 2 && input.size(1) != 0) || (nd == 1 && input.size(0) != 0) || nd == 0;
  if (!valid)
    throw ShapeError("Expected non-empty vector or matrix with optional 0-dim batch size, but got: " + shape_str(input.shape()));
  require_floating(input, "multilabel_margin_loss");
  Tensor target = integer_values(target_in, "multilabel_margin_loss: target");
  int64_t nframe, dim;
  if (nd <= 1) {
    nframe = 1;
    dim = nd == 0 ? 1 : input.size(0);
    if (!(target.dim() <= 1 && target.numel() == dim))
      throw ShapeError("inconsistent size " + shape_str(target.shape()) + " for argument #2 'target'");
  } else {
    nframe = input.size(0);
    dim = input.size(1);
    if (!(target.dim() == 2 && target.size(0) == nframe && target.size(1) == dim))
      throw ShapeError("inconsistent size " + shape_str(target.shape()) + " for argument #2 'target'");
  }
  // Per sample: the targets are the leading entries up to the first -1.
  // valid[n, j]: position j is a target; idx[n, j]: its class (0 when not);
  // is_target[n, i]: class i is one of the targets.
  Tensor valid_j = Tensor::empty({nframe, dim}, DType::Bool);
  Tensor idx = Tensor::empty({nframe, dim}, DType::Int64);
  Tensor is_target = Tensor::empty({nframe, dim}, DType::Bool);
  if (!target.is_meta()) {
    const int64_t* tp = target.data<int64_t>();
    for (int64_t i = 0; i < target.numel(); ++i)
      if (tp[i] < -1 || tp[i] >= dim) throw IndexError("argument #2 'target' is out of range");
    uint8_t* vp = valid_j.data<uint8_t>();
    int64_t* ip = idx.data<int64_t>();
    uint8_t* isp = is_target.data<uint8_t>();
    for (int64_t n = 0; n < nframe; ++n) {
      bool on = true;
      for (int64_t j = 0; j < dim; ++j) isp[n * dim + j] = 0;
      for (int64_t j = 0; j < dim; ++j) {
        const int64_t k = tp[n * dim + j];
        if (k < 0) on = false;
        vp[n * dim + j] = on;
        ip[n * dim + j] = on ? k : 0;
        if (on) isp[n * dim + k] = 1;
      }
    }
  }
  Tensor x = reshape(input, {nframe, dim});
  Tensor xt = gather(x, 1, idx);                                                // [N, j]
  Tensor z = add(rsub(unsqueeze(xt, 2), 1.0), unsqueeze(x, 1));                 // 1 - x[y_j] + x[i]: [N, j, i]
  Tensor mask = logical_and(unsqueeze(valid_j, 2), unsqueeze(logical_not(is_target), 1));
  mask = logical_and(mask, gt(z, num(0.0, z)));                                 // the hinge: only z > 0 counts
  Tensor per = div(sum(where(mask, z, num(0.0, z)), {1, 2}), Tensor::scalar(static_cast<double>(dim), DType::Float64));
  if (r == Reduction::None) return target.dim() <= 1 ? reshape(per, {}) : per;
  return apply_reduction(per, r);
}

Tensor multilabel_soft_margin_loss(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction r) {
  Tensor x = as_float(input, input);
  Tensor t = as_float(target, x);
  Tensor loss = neg(add(mul(t, logsigmoid(x)), mul(rsub(t, 1.0), logsigmoid(neg(x)))));
  if (weight.defined()) loss = mul(loss, weight);
  const int64_t cdim = x.dim() - 1;
  const int64_t c = x.dim() == 0 ? 1 : x.size(cdim);
  loss = div(sum(loss, {cdim < 0 ? 0 : cdim}), Tensor::scalar(static_cast<double>(c), DType::Float64));
  return apply_reduction(loss, r);
}

Tensor multi_margin_loss(const Tensor& input, const Tensor& target_in, int64_t p, double margin, const Tensor& weight,
                         Reduction r) {
  if (p != 1 && p != 2) throw ValueError("only p == 1 and p == 2 supported");
  if (weight.defined() && weight.dim() != 1) throw ValueError("weight must be one-dimensional");
  const int64_t nd = input.dim();
  if (!(input.numel() > 0 && nd <= 2))
    throw ShapeError("Expected non-empty vector or matrix with optional 0-dim batch size, but got: " + shape_str(input.shape()));
  require_floating(input, "multi_margin_loss");
  Tensor target = integer_values(target_in, "multi_margin_loss: target");
  const int64_t nframe = nd <= 1 ? 1 : input.size(0);
  const int64_t dim = nd == 0 ? 1 : input.size(nd - 1);
  if (!(target.dim() <= 1 && target.numel() == nframe))
    throw ShapeError("inconsistent target size, got: " + shape_str(target.shape()));
  // PyTorch 1.13 reads weight[target] unchecked (undefined behaviour past its end); a weight per class is required here.
  if (weight.defined() && weight.numel() != dim)
    throw ShapeError("inconsistent weight size, expected " + std::to_string(dim) + " but got " + shape_str(weight.shape()));
  if (!target.is_meta()) {
    const int64_t* tp = target.data<int64_t>();
    for (int64_t i = 0; i < target.numel(); ++i)
      if (tp[i] < 0 || tp[i] >= dim) throw IndexError("target out of range");
  }
  Tensor x = reshape(input, {nframe, dim});
  Tensor t = reshape(target, {nframe, 1});
  Tensor xy = gather(x, 1, t);                                  // x[y]: [N, 1]
  Tensor z = add(sub(x, xy), margin);                           // margin - x[y] + x[i]
  Tensor classes = reshape(arange(0, static_cast<double>(dim), 1, DType::Int64), {1, dim});
  Tensor mask = logical_and(ne(classes, t), gt(z, num(0.0, z)));
  Tensor h = p == 1 ? z : square(z);
  if (weight.defined()) {
    Tensor w = reshape(to_dtype(weight.detach(), x.dtype()), {dim});
    h = mul(h, reshape(gather(w, 0, reshape(target, {nframe})), {nframe, 1}));  // weight[y]
  }
  Tensor per = div(sum(where(mask, h, num(0.0, h)), {1}), Tensor::scalar(static_cast<double>(dim), DType::Float64));
  if (r == Reduction::None) return target.dim() == 0 ? reshape(per, {}) : per;
  return apply_reduction(per, r);
}

Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative, double margin, double p,
                           double eps, bool swap, Reduction r) {
  if (!(anchor.dim() == positive.dim() && positive.dim() == negative.dim()))
    throw ShapeError("All inputs should have same dimension but got " + std::to_string(anchor.dim()) + "D, " +
                     std::to_string(positive.dim()) + "D and " + std::to_string(negative.dim()) + "D inputs.");
  Tensor dpos = pairwise_distance(anchor, positive, p, eps, false);
  Tensor dneg = pairwise_distance(anchor, negative, p, eps, false);
  if (swap) dneg = minimum(dneg, pairwise_distance(positive, negative, p, eps, false));
  Tensor v = add(sub(dpos, dneg), margin);
  return apply_reduction(clamp(v, num(0.0, v), Tensor()), r);
}

Tensor triplet_margin_with_distance_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                                         const std::string& distance_function, double margin, bool swap, Reduction r) {
  auto dist = [&](const Tensor& a, const Tensor& b) -> Tensor {
    if (distance_function == "pairwise") return pairwise_distance(a, b, 2.0, 1e-6, false);
    if (distance_function == "cosine") return rsub(cosine_similarity(a, b, 1, 1e-8), 1.0);
    throw ValueError("distance_function must be None, \"pairwise\" (pairwise_distance) or \"cosine\" "
                     "(1 - cosine_similarity), got \"" + distance_function + "\"");
  };
  Tensor dpos = dist(anchor, positive);
  Tensor dneg = dist(anchor, negative);
  if (swap) dneg = minimum(dneg, dist(positive, negative));
  Tensor v = add(sub(dpos, dneg), margin);
  return apply_reduction(clamp(v, num(0.0, v), Tensor()), r);
}

}  // namespace gs::op

namespace gs {
namespace {

using op::parse_reduction;

const OpRegistrar reg({
    {"pairwise_distance(Tensor x1, Tensor x2, float p=2.0, float eps=1e-06, bool keepdim=False) -> Tensor",
     "p-norm of x1 - x2 + eps over the last dim (broadcasting).",
     [](const Args& a) -> Outs { return {op::pairwise_distance(a.tensor(0), a.tensor(1), a.f64(2), a.f64(3), a.boolean(4))}; }},
    {"cosine_similarity(Tensor x1, Tensor x2, int dim=1, float eps=1e-08) -> Tensor",
     "sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps)) over dim (broadcasting).",
     [](const Args& a) -> Outs { return {op::cosine_similarity(a.tensor(0), a.tensor(1), a.i64(2), a.f64(3))}; }},
    {"margin_ranking_loss(Tensor input1, Tensor input2, Tensor target, float margin=0.0, str reduction=\"mean\") -> Tensor",
     "max(0, -target (input1 - input2) + margin); target is 1 or -1.",
     [](const Args& a) -> Outs {
       return {op::margin_ranking_loss(a.tensor(0), a.tensor(1), a.tensor(2), a.f64(3), parse_reduction(a.str(4)))};
     }},
    {"hinge_embedding_loss(Tensor input, Tensor target, float margin=1.0, str reduction=\"mean\") -> Tensor",
     "input where target == 1, max(0, margin - input) where target == -1.",
     [](const Args& a) -> Outs { return {op::hinge_embedding_loss(a.tensor(0), a.tensor(1), a.f64(2), parse_reduction(a.str(3)))}; }},
    {"soft_margin_loss(Tensor input, Tensor target, str reduction=\"mean\") -> Tensor", "log(1 + exp(-target input)); target is 1 or -1.",
     [](const Args& a) -> Outs { return {op::soft_margin_loss(a.tensor(0), a.tensor(1), parse_reduction(a.str(2)))}; }},
    {"cosine_embedding_loss(Tensor input1, Tensor input2, Tensor target, float margin=0.0, str reduction=\"mean\") -> Tensor",
     "1 - cos(input1, input2) where target == 1, max(0, cos - margin) where target == -1.",
     [](const Args& a) -> Outs {
       return {op::cosine_embedding_loss(a.tensor(0), a.tensor(1), a.tensor(2), a.f64(3), parse_reduction(a.str(4)))};
     }},
    {"multilabel_margin_loss(Tensor input, Tensor target, str reduction=\"mean\") -> Tensor",
     "Multi-class multi-label hinge loss; target holds class indices padded with -1 after the last one.",
     [](const Args& a) -> Outs { return {op::multilabel_margin_loss(a.tensor(0), a.tensor(1), parse_reduction(a.str(2)))}; }},
    {"multilabel_soft_margin_loss(Tensor input, Tensor target, Tensor? weight=None, str reduction=\"mean\") -> Tensor",
     "Mean over classes of -(target logsigmoid(input) + (1 - target) logsigmoid(-input)) [* weight].",
     [](const Args& a) -> Outs {
       return {op::multilabel_soft_margin_loss(a.tensor(0), a.tensor(1), a.opt_tensor(2), parse_reduction(a.str(3)))};
     }},
    {"multi_margin_loss(Tensor input, Tensor target, int p=1, float margin=1.0, Tensor? weight=None, str reduction=\"mean\") -> Tensor",
     "Multi-class hinge loss: sum over i != y of max(0, margin - x[y] + x[i])^p [* weight[y]] / C.",
     [](const Args& a) -> Outs {
       return {op::multi_margin_loss(a.tensor(0), a.tensor(1), a.i64(2), a.f64(3), a.opt_tensor(4), parse_reduction(a.str(5)))};
     }},
    {"triplet_margin_loss(Tensor anchor, Tensor positive, Tensor negative, float margin=1.0, float p=2.0, float eps=1e-06, "
     "bool swap=False, str reduction=\"mean\") -> Tensor",
     "max(0, d(anchor, positive) - d(anchor, negative) + margin) with d = pairwise_distance(p, eps); swap uses min(d(a, n), d(p, n)).",
     [](const Args& a) -> Outs {
       return {op::triplet_margin_loss(a.tensor(0), a.tensor(1), a.tensor(2), a.f64(3), a.f64(4), a.f64(5), a.boolean(6),
                                       parse_reduction(a.str(7)))};
     }},
    {"triplet_margin_with_distance_loss(Tensor anchor, Tensor positive, Tensor negative, *, str? distance_function=None, "
     "float margin=1.0, bool swap=False, str reduction=\"mean\") -> Tensor",
     "triplet_margin_loss with distance_function \"pairwise\" (pairwise_distance, the default) or \"cosine\" (1 - cosine_similarity).",
     [](const Args& a) -> Outs {
       return {op::triplet_margin_with_distance_loss(a.tensor(0), a.tensor(1), a.tensor(2), a.opt_str(3).value_or("pairwise"),
                                                     a.f64(4), a.boolean(5), parse_reduction(a.str(6)))};
     }},
});

}  // namespace
}  // namespace gs
