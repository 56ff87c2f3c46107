// Reverse-mode autograd. Each recorded op stores its inputs and a backward
// closure written with ordinary (differentiable) ops, so running backward with
// grad mode on records a graph of the backward itself: grad(grad(...)) to any
// depth. With grad mode off (first-order backward) nothing is recorded.
#pragma once
#include <functional>
#include <vector>

#include "tensor.h"

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
using Grads = std::vector<Tensor>;
using BackwardFn = std::function<Grads(const Tensor& grad, const BackwardCtx& c)>;

struct Node {
  const char* name;
  std::vector<Tensor> inputs;
  BackwardFn backward;
};

// Attaches a node to `out` when grad mode is on and some input requires grad.
Tensor record(Tensor out, const char* name, std::vector<Tensor> inputs, BackwardFn fn);

// Gradients of sum(y * grad_y) with respect to each of xs (grad_y defaults to
// ones). Values y does not depend on get zeros. With create_graph the result
// is itself recorded and can be differentiated again.
std::vector<Tensor> grad(const Tensor& y, const std::vector<Tensor>& xs, const Tensor& grad_y, bool create_graph);

// The full Jacobian, shape y.shape + x.shape, one vector-Jacobian product per
// element of y.
Tensor jacobian(const Tensor& y, const Tensor& x, bool create_graph);

}  // namespace gs
