// Reverse-mode autograd. Each recorded op stores its inputs and a backward
// closure written with ordinary (differentiable) ops, so running backward with
// grad mode on records a graph of the backward itself: grad(grad(...)) to any
// depth. With grad mode off (first-order backward) nothing is recorded.
#pragma once
#include <initializer_list>
#include <memory>
#include <type_traits>
#include <vector>

#include "context.h"
#include "object_pool.h"
#include "tensor.h"
#include "tensor_list.h"

namespace gs {

// Which inputs of an op want a gradient (inline: ops have a few inputs).
using NeedsMask = SmallVec<bool, 8>;

struct BackwardCtx {
  const Tensor& out;       // the op's output; alive while its backward runs
  const NeedsMask& needs;  // needs[i]: input i wants a gradient
  bool need(size_t i) const { return i < needs.size() && needs[i]; }
};

// One gradient per input, in input order; an undefined Tensor means "none".
// The engine sums each gradient down to its input's shape (undoing
// broadcasting) and casts it to the input's dtype, so formulas need not.
using Grads = TensorList<3>;

// A recorded op: its inputs and its backward formula. The formula is the
// closure the op passed to record(), kept in the same allocation as the node
// (NodeFn below), so recording allocates once and calling it is one virtual
// call: as a std::function, a closure of two tensors cost a malloc and a free.
struct Node {
  explicit Node(const char* n) : name(n) {}
  virtual ~Node() = default;
  virtual Grads backward(const Tensor& grad, const BackwardCtx& c) const = 0;

  const char* name;
  TensorList<3> inputs;
};

// The inputs an op records, as its braced list names them: references, so
// nothing is copied unless a node is made.
using InputRefs = std::initializer_list<std::reference_wrapper<const Tensor>>;

namespace autograd_detail {

template <class F>
struct NodeFn final : Node {
  NodeFn(const char* n, F f) : Node(n), fn(std::move(f)) {}
  Grads backward(const Tensor& grad, const BackwardCtx& c) const override { return fn(grad, c); }
  F fn;
};

// Whether some input requires grad (undefined inputs do not).
bool any_requires_grad(InputRefs inputs);
bool any_requires_grad(const std::vector<Tensor>& inputs);
// Makes node out's grad_fn and marks out as requiring grad.
void attach(Tensor& out, std::shared_ptr<Node> node);

template <class F, class Inputs>
Tensor record(Tensor out, const char* name, const Inputs& inputs, F&& fn) {
  if (!ctx().grad_mode || !any_requires_grad(inputs) || !is_floating(out.dtype())) return out;
  using N = NodeFn<std::decay_t<F>>;
  auto node = std::allocate_shared<N>(PooledAllocator<N>(), name, std::forward<F>(fn));
  for (const Tensor& t : inputs) node->inputs.push_back(t);
  attach(out, std::move(node));
  return out;
}

}  // namespace autograd_detail

// Attaches a node to `out` when grad mode is on and some input requires grad;
// fn(grad, BackwardCtx) -> Grads is its backward.
template <class F>
Tensor record(Tensor out, const char* name, InputRefs inputs, F&& fn) {
  return autograd_detail::record(std::move(out), name, inputs, std::forward<F>(fn));
}
template <class F>
Tensor record(Tensor out, const char* name, const std::vector<Tensor>& inputs, F&& fn) {
  return autograd_detail::record(std::move(out), name, inputs, std::forward<F>(fn));
}

// Gradients of sum(y * grad_y) with respect to each of xs (grad_y defaults to
// ones). Values y does not depend on get zeros. With create_graph the result
// is itself recorded and can be differentiated again.
std::vector<Tensor> grad(const Tensor& y, const std::vector<Tensor>& xs, const Tensor& grad_y, bool create_graph);

// The full Jacobian, shape y.shape + x.shape, one vector-Jacobian product per
// element of y.
Tensor jacobian(const Tensor& y, const Tensor& x, bool create_graph);

}  // namespace gs
