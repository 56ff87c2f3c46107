#include "autograd.h"

#include <unordered_map>
#include <unordered_set>

#include "context.h"
#include "errors.h"
#include "ops/ops.h"

namespace gs {

Tensor record(Tensor out, const char* name, std::vector<Tensor> inputs, BackwardFn fn) {
  if (!ctx().grad_mode) return out;
  bool any = false;
  for (const auto& t : inputs) any = any || (t.defined() && t.requires_grad());
  if (!any || !is_floating(out.dtype())) return out;
  auto node = std::make_shared<Node>();
  node->name = name;
  node->inputs = std::move(inputs);
  node->backward = std::move(fn);
  out.impl()->grad_fn = std::move(node);
  out.impl()->requires_grad = true;
  return out;
}

namespace {

// Which tensors lead (through grad_fn edges) to one of the targets. Iterative,
// so a long chain of ops cannot overflow the stack.
struct Reach {
  std::unordered_map<TensorImpl*, bool> memo;
  std::unordered_set<TensorImpl*> targets;
  std::vector<Tensor> order;  // post-order: inputs before the ops that use them

  bool run(const Tensor& root) {
    struct Frame { Tensor t; size_t next; bool reach; };
    std::vector<Frame> stack;
    stack.push_back({root, 0, targets.count(root.impl()) > 0});
    memo[root.impl()] = false;
    while (!stack.empty()) {
      Frame& f = stack.back();
      const auto& fn = f.t.grad_fn();
      if (fn && f.next < fn->inputs.size()) {
        const Tensor& in = fn->inputs[f.next++];
        if (!in.defined()) continue;
        auto it = memo.find(in.impl());
        if (it != memo.end()) { f.reach = f.reach || it->second; continue; }
        memo[in.impl()] = false;
        stack.push_back({in, 0, targets.count(in.impl()) > 0});
        continue;
      }
      bool r = f.reach;
      memo[f.t.impl()] = r;
      if (r) order.push_back(f.t);
      stack.pop_back();
      if (!stack.empty()) stack.back().reach = stack.back().reach || r;
    }
    return memo[root.impl()];
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
  for (const auto& x : xs) reach.targets.insert(x.impl());
  std::unordered_map<TensorImpl*, Tensor> acc;
  if (is_floating(y.dtype()) && reach.run(y)) {
    acc[y.impl()] = seed;
    // Reverse post-order visits every op after all ops that consume its output.
    for (size_t k = reach.order.size(); k-- > 0;) {
      const Tensor& t = reach.order[k];
      const auto& fn = t.grad_fn();
      auto it = acc.find(t.impl());
      if (!fn || it == acc.end()) continue;
      ctx().check_cancel_between_ops();
      Tensor g = it->second;
      // A target that is also an intermediate keeps its gradient (like retain_grad).
      if (!reach.targets.count(t.impl())) acc.erase(it);
      std::vector<bool> needs(fn->inputs.size());
      for (size_t i = 0; i < needs.size(); ++i) {
        const Tensor& in = fn->inputs[i];
        needs[i] = in.defined() && in.requires_grad() && reach.memo[in.impl()];
      }
      Grads gs_ = fn->backward(g, BackwardCtx{t, needs});
      for (size_t i = 0; i < needs.size() && i < gs_.size(); ++i) {
        if (!needs[i] || !gs_[i].defined()) continue;
        const Tensor& in = fn->inputs[i];
        Tensor gi = fit_grad(gs_[i], in);
        auto a = acc.find(in.impl());
        if (a == acc.end()) acc.emplace(in.impl(), gi);
        else a->second = op::add(a->second, gi);
      }
    }
  }
  std::vector<Tensor> out;
  out.reserve(xs.size());
  for (const auto& x : xs) {
    auto it = acc.find(x.impl());
    out.push_back(it != acc.end() ? it->second : op::zeros_like(x));
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
