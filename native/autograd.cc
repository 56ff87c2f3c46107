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

// What grad() knows of one tensor of the graph.
struct Mark {       // made as Mark{}: all false
  bool target;   // one of the xs
  bool visited;  // found by the walk
  bool reaches;  // leads to a target (final once its walk finished)
};

// The graph behind a root, walked once: which tensors lead (through grad_fn
// edges) to one of the targets, in post-order. Each tensor met gets an entry,
// numbered in order of discovery, which also indexes its gradient in grad():
// one pointer lookup per edge, flags and gradients in arrays. Iterative, so a
// long chain of ops cannot overflow the stack.
struct Walk {
  struct Visit {
    const Tensor* t;
    uint32_t entry;
  };
  PtrMap<uint32_t> entries;     // tensor -> 1 + its entry
  SmallVec<Mark, 32> marks;     // by entry
  // Post-order: inputs before the ops that use them. Pointers into the graph
  // (the root and its nodes' input lists), which the caller's root keeps
  // alive and nothing changes while gradients are taken: copies would cost
  // two atomic reference-count updates each.
  SmallVec<Visit, 32> order;

  explicit Walk(size_t expected) : entries(expected) {}

  // t's entry, made on first sight.
  uint32_t entry(const TensorImpl* t) {
    uint32_t& e = entries[t];
    if (e == 0) {
      marks.push_back(Mark{});
      e = static_cast<uint32_t>(marks.size());
    }
    return e - 1;
  }
  // t's entry, or -1 when the walk never met it.
  int64_t find(const TensorImpl* t) {
    const uint32_t* e = entries.find(t);
    return e ? static_cast<int64_t>(*e) - 1 : -1;
  }

  bool run(const Tensor& root) {
    struct Frame { const Tensor* t; uint32_t entry; uint32_t next; bool reach; };
    SmallVec<Frame, 32> stack;
    const uint32_t re = entry(root.impl());
    marks[re].visited = true;
    stack.push_back({&root, re, 0, marks[re].target});
    while (!stack.empty()) {
      Frame& f = stack.back();
      const auto& fn = f.t->grad_fn();
      if (fn && f.next < fn->inputs.size()) {
        const Tensor& in = fn->inputs[f.next++];
        if (!in.defined()) continue;
        const uint32_t e = entry(in.impl());
        Mark& m = marks[e];
        if (m.visited) { f.reach = f.reach || m.reaches; continue; }
        m.visited = true;
        stack.push_back({&in, e, 0, m.target});
        continue;
      }
      const bool r = f.reach;
      marks[f.entry].reaches = r;
      if (r) order.push_back({f.t, f.entry});
      stack.pop_back();
      if (!stack.empty()) stack.back().reach = stack.back().reach || r;
    }
    return marks[re].reaches;
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
  ExecContext& c = ctx();
  for (const auto& x : xs)
    if (!is_floating(x.dtype())) throw DTypeError("only Tensors of floating point dtype can require gradients");
  Tensor seed = grad_y.defined() ? grad_y : op::ones_like(y);
  if (grad_y.defined() && grad_y.shape() != y.shape())
    throw ShapeError("Mismatch in shape: grad_output has a shape of " + shape_str(grad_y.shape()) +
                     " and output has a shape of " + shape_str(y.shape()));
  if (is_floating(y.dtype()) && seed.dtype() != y.dtype()) seed = op::to_dtype(seed, y.dtype());

  Walk walk(xs.size() + 8);
  for (const auto& x : xs) walk.marks[walk.entry(x.impl())].target = true;
  // Gradients accumulated so far, by entry; an undefined tensor is "none (any more)".
  TensorList<16> acc;
  if (is_floating(y.dtype()) && walk.run(y)) {
    acc.resize(walk.marks.size());
    acc[walk.order.back().entry] = seed;  // the root finishes last
    SmallVec<int64_t, 8> in_entry;
    // Reverse post-order visits every op after all ops that consume its output.
    for (size_t k = walk.order.size(); k-- > 0;) {
      const Tensor& t = *walk.order[k].t;
      const auto& fn = t.grad_fn();
      Tensor& slot = acc[walk.order[k].entry];
      if (!fn || !slot.defined()) continue;
      c.check_cancel_between_ops();
      Tensor g = slot;
      // A target that is also an intermediate keeps its gradient (like retain_grad).
      if (!walk.marks[walk.order[k].entry].target) slot = Tensor();
      NeedsMask needs(fn->inputs.size());
      in_entry.resize(needs.size());
      for (size_t i = 0; i < needs.size(); ++i) {
        const Tensor& in = fn->inputs[i];
        in_entry[i] = in.defined() ? walk.find(in.impl()) : -1;
        needs[i] = in.defined() && in.requires_grad() && in_entry[i] >= 0 && walk.marks[static_cast<size_t>(in_entry[i])].reaches;
      }
      Grads gs_ = fn->backward(g, BackwardCtx{t, needs});
      for (size_t i = 0; i < needs.size() && i < gs_.size(); ++i) {
        if (!needs[i] || !gs_[i].defined()) continue;
        Tensor gi = fit_grad(std::move(gs_[i]), fn->inputs[i]);
        Tensor& a = acc[static_cast<size_t>(in_entry[i])];
        a = a.defined() ? op::add(a, gi) : std::move(gi);
      }
    }
  }
  std::vector<Tensor> out;
  out.reserve(xs.size());
  for (const auto& x : xs) {
    const int64_t e = walk.find(x.impl());
    out.push_back(e >= 0 && static_cast<size_t>(e) < acc.size() && acc[static_cast<size_t>(e)].defined() ? acc[static_cast<size_t>(e)]
                                                                                                         : op::zeros_like(x));
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
