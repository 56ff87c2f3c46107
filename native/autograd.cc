#include "autograd.h"

#include "context.h"
#include "object_pool.h"
#include "errors.h"
#include "ops/ops.h"
#include "ptr_map.h"

namespace gs {

namespace autograd_detail {

bool any_requires_grad(InputRefs inputs) {
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

void attach(Tensor& out, std::shared_ptr<Node> node) {
  out.impl()->grad_fn = std::move(node);
  out.impl()->requires_grad = true;
}

}  // namespace autograd_detail

namespace {

// Which tensors lead (through grad_fn edges) to one of the targets. Iterative,
// so a long chain of ops cannot overflow the stack.
struct Reach {
  PtrMap<bool> memo;     // visited tensors: whether they lead to a target
  PtrMap<bool> targets;
  // Post-order: inputs before the ops that use them. Pointers into the graph
  // (the root and its nodes' input lists), which the caller's root keeps
  // alive and nothing changes while gradients are taken: copies would cost
  // two atomic reference-count updates each.
  std::vector<const Tensor*> order;

  bool run(const Tensor& root) {
    struct Frame { const Tensor* t; size_t next; bool reach; };
    std::vector<Frame> stack;
    stack.reserve(32);
    order.reserve(32);
    stack.push_back({&root, 0, targets.contains(root.impl())});
    memo[root.impl()] = false;
    while (!stack.empty()) {
      Frame& f = stack.back();
      const auto& fn = f.t->grad_fn();
      if (fn && f.next < fn->inputs.size()) {
        const Tensor& in = fn->inputs[f.next++];
        if (!in.defined()) continue;
        if (const bool* seen = memo.find(in.impl())) { f.reach = f.reach || *seen; continue; }
        memo[in.impl()] = false;
        stack.push_back({&in, 0, targets.contains(in.impl())});
        continue;
      }
      bool r = f.reach;
      memo[f.t->impl()] = r;
      if (r) order.push_back(f.t);
      stack.pop_back();
      if (!stack.empty()) stack.back().reach = stack.back().reach || r;
    }
    return memo[root.impl()];
  }

  // Whether t was visited and leads to a target.
  bool reaches(const TensorImpl* t) {
    const bool* r = memo.find(t);
    return r && *r;
  }
};

Tensor fit_grad(Tensor g, const Tensor& input) {
  if (g.shape() != input.shape()) g = op::sum_to(g, input.shape());
  if (g.dtype() != input.dtype()) g = op::to_dtype(g, input.dtype());
  return g;
}

}  // namespace

std::vector<Tensor> grad(const Tensor& y, const std::vector<Tensor>& xs, const Tensor& grad_y, bool create_graph) {
  GradModeGuard mode(create_graph);
  for (const auto& x : xs)
    if (!is_floating(x.dtype())) throw DTypeError("only Tensors of floating point dtype can require gradients");
  Tensor seed = grad_y.defined() ? grad_y : op::ones_like(y);
  if (grad_y.defined() && grad_y.shape() != y.shape())
    throw ShapeError("Mismatch in shape: grad_output has a shape of " + shape_str(grad_y.shape()) +
                     " and output has a shape of " + shape_str(y.shape()));
  if (is_floating(y.dtype()) && seed.dtype() != y.dtype()) seed = op::to_dtype(seed, y.dtype());

  Reach reach;
  for (const auto& x : xs) reach.targets[x.impl()] = true;
  // Gradients accumulated so far; an undefined tensor is "none (any more)".
  PtrMap<Tensor> acc(xs.size() + 8);
  if (is_floating(y.dtype()) && reach.run(y)) {
    acc[y.impl()] = seed;
    // Reverse post-order visits every op after all ops that consume its output.
    for (size_t k = reach.order.size(); k-- > 0;) {
      const Tensor& t = *reach.order[k];
      const auto& fn = t.grad_fn();
      Tensor* slot = acc.find(t.impl());
      if (!fn || !slot || !slot->defined()) continue;
      ctx().check_cancel_between_ops();
      Tensor g = *slot;
      // A target that is also an intermediate keeps its gradient (like retain_grad).
      if (!reach.targets.contains(t.impl())) *slot = Tensor();
      NeedsMask needs(fn->inputs.size());
      for (size_t i = 0; i < needs.size(); ++i) {
        const Tensor& in = fn->inputs[i];
        needs[i] = in.defined() && in.requires_grad() && reach.reaches(in.impl());
      }
      Grads gs_ = fn->backward(g, BackwardCtx{t, needs});
      for (size_t i = 0; i < needs.size() && i < gs_.size(); ++i) {
        if (!needs[i] || !gs_[i].defined()) continue;
        const Tensor& in = fn->inputs[i];
        Tensor gi = fit_grad(gs_[i], in);
        Tensor& a = acc[in.impl()];
        a = a.defined() ? op::add(a, gi) : gi;
      }
    }
  }
  std::vector<Tensor> out;
  out.reserve(xs.size());
  for (const auto& x : xs) {
    Tensor* a = acc.find(x.impl());
    out.push_back(a && a->defined() ? *a : op::zeros_like(x));
  }
  return out;
}

Tensor jacobian(const Tensor& y, const Tensor& x, bool create_graph) {
  int64_t m = y.numel();
  Shape out_shape = y.shape();
  out_shape.insert(out_shape.end(), x.shape().begin(), x.shape().end());
  // An integer or bool y depends on nothing differentiably (grad gives zeros,
  // as torch.autograd.functional.jacobian does); its one-hot seeds below are
  // written as float or double and would not fit its elements.
  if (!is_floating(y.dtype())) return Tensor::zeros(out_shape, x.dtype());
  std::vector<Tensor> rows;
  rows.reserve(static_cast<size_t>(m));
  Shape flat_y{m};
  for (int64_t i = 0; i < m; ++i) {
    ctx().check_cancel();
    Tensor e = Tensor::zeros(flat_y, y.dtype());
    if (!e.is_meta()) {
      if (y.dtype() == DType::Float32) e.data<float>()[i] = 1.0f;
      else e.data<double>()[i] = 1.0;
    }
    rows.push_back(op::reshape(grad(y, {x}, e.with_shape(y.shape()), create_graph)[0], {x.numel()}));
  }
  if (m == 0) return Tensor::zeros(out_shape, x.dtype());
  return op::reshape(op::stack(rows, 0), out_shape);
}

}  // namespace gs
