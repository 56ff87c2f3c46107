// Autograd as graph ops: grad, vjp, jvp, hvp, jacobian, hessian, detach.
// Each records its own computation when the executor asks for it (grad mode
// on), which is what makes grad(grad(...)) work to any depth.
#include "../autograd.h"
#include "../context.h"
#include "../errors.h"
#include "../registry.h"
#include "ops.h"

namespace gs {
namespace {

bool create_graph() { return ctx().grad_mode; }

Tensor grad_of(const Tensor& y, const Tensor& x, const Tensor& v) {
  if (v.defined() && v.shape() != y.shape())
    throw ShapeError("Mismatch in shape: grad_output has a shape of " + shape_str(v.shape()) + " and output has a shape of " + shape_str(y.shape()));
  return grad(y, {x}, v, create_graph())[0];
}

// Forward-mode product by the double-vjp trick: g(v) = J^T v is linear in v,
// so d<g(v), u>/dv = J u.
Tensor jvp(const Tensor& y, const Tensor& x, const Tensor& u) {
  if (u.shape() != x.shape())
    throw ShapeError("jvp: u must have the shape of x " + shape_str(x.shape()) + ", got " + shape_str(u.shape()));
  Tensor v = op::zeros_like(y);
  v.set_requires_grad(true);
  Tensor g = grad(y, {x}, v, true)[0];
  return grad(g, {v}, u, create_graph())[0];
}

Tensor hvp(const Tensor& y, const Tensor& x, const Tensor& v) {
  if (y.numel() != 1) throw ShapeError("hvp: y must be a scalar, got shape " + shape_str(y.shape()));
  if (v.shape() != x.shape())
    throw ShapeError("hvp: v must have the shape of x " + shape_str(x.shape()) + ", got " + shape_str(v.shape()));
  Tensor g = grad(y, {x}, Tensor(), true)[0];
  return grad(g, {x}, v, create_graph())[0];
}

Tensor hessian(const Tensor& y, const Tensor& x) {
  if (y.numel() != 1) throw ShapeError("hessian: y must be a scalar, got shape " + shape_str(y.shape()));
  Tensor g = grad(y, {x}, Tensor(), true)[0];
  return jacobian(g, x, create_graph());
}

const OpRegistrar reg({
    {"grad(Tensor outputs, Tensor inputs, Tensor? grad_outputs=None) -> Tensor",
     "Gradient of sum(outputs * grad_outputs) with respect to inputs; differentiable again.",
     [](const Args& a) -> Outs { return {grad_of(a.tensor(0), a.tensor(1), a.opt_tensor(2))}; }, true, OpKind::Autograd},
    {"vjp(Tensor outputs, Tensor inputs, Tensor v) -> Tensor", "Vector-Jacobian product v^T J (same as grad(outputs, inputs, v)).",
     [](const Args& a) -> Outs { return {grad_of(a.tensor(0), a.tensor(1), a.tensor(2))}; }, true, OpKind::Autograd},
    {"jvp(Tensor outputs, Tensor inputs, Tensor u) -> Tensor", "Jacobian-vector product J u (directional derivative); shape of outputs.",
     [](const Args& a) -> Outs { return {jvp(a.tensor(0), a.tensor(1), a.tensor(2))}; }, true, OpKind::Autograd},
    {"hvp(Tensor outputs, Tensor inputs, Tensor v) -> Tensor", "Hessian-vector product H v of a scalar; shape of inputs.",
     [](const Args& a) -> Outs { return {hvp(a.tensor(0), a.tensor(1), a.tensor(2))}; }, true, OpKind::Autograd},
    {"jacobian(Tensor outputs, Tensor inputs) -> Tensor", "Full Jacobian, shape outputs.shape + inputs.shape.",
     [](const Args& a) -> Outs { return {jacobian(a.tensor(0), a.tensor(1), create_graph())}; }, true, OpKind::Autograd},
    {"hessian(Tensor outputs, Tensor inputs) -> Tensor", "Full Hessian of a scalar, shape inputs.shape + inputs.shape.",
     [](const Args& a) -> Outs { return {hessian(a.tensor(0), a.tensor(1))}; }, true, OpKind::Autograd},
    {"detach(Tensor input) -> Tensor", "The same values, cut from the graph (zero gradient).",
     [](const Args& a) -> Outs { return {a.tensor(0).detach()}; }, false},
});

}  // namespace
}  // namespace gs
