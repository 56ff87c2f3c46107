// torch.optim.SGD: v = μ·v + (1 − dampening)·g (v = g on the first step),
// nesterov g + μ·v, p −= lr·v.
#include "kernel_util.h"

namespace gs::optim {
namespace {

void validate(const Options& h) {
  require(num(h, "lr") >= 0, "Invalid learning rate: " + pyfloat(num(h, "lr")));
  require(num(h, "momentum") >= 0, "Invalid momentum value: " + pyfloat(num(h, "momentum")));
  require(num(h, "weight_decay") >= 0, "Invalid weight_decay value: " + pyfloat(num(h, "weight_decay")));
  require(!(flag(h, "nesterov") && (num(h, "momentum") <= 0 || num(h, "dampening") != 0)),
          "Nesterov momentum requires a momentum and zero dampening");
}

ParamState init(const Tensor&, const Options&) {
  ParamState s;
  s.set("momentum_buffer", StateValue::null());  // created on the first step, None without momentum
  return s;
}

void step(Tensor& p, const Tensor& g, ParamState& s, const Options& h) {
  const double lr = num(h, "lr"), momentum = num(h, "momentum"), dampening = num(h, "dampening"), wd = num(h, "weight_decay");
  const bool nesterov = flag(h, "nesterov"), maximize = flag(h, "maximize");
  StateValue& buf = s.at("momentum_buffer");
  const bool first = momentum != 0 && buf.kind != StateValue::Kind::Tensor;
  if (first) buf = StateValue::tensor(Tensor::empty(p.shape(), p.dtype()));
  if (momentum == 0) buf = StateValue::null();
  if (p.is_meta()) return;
  GS_DISPATCH_FLOAT(p.dtype(), T, {
    T* P = p.data<T>();
    const T* G = g.data<T>();
    T* B = momentum != 0 ? buf.t.data<T>() : nullptr;
    for (int64_t i = 0; i < p.numel(); ++i) {
      T d = maximize ? -G[i] : G[i];
      if (wd != 0) d = d + T(wd) * P[i];
      if (momentum != 0) {
        B[i] = first ? d : B[i] * T(momentum) + T(1 - dampening) * d;
        d = nesterov ? d + T(momentum) * B[i] : B[i];
      }
      P[i] = P[i] + T(-lr) * d;
    }
  });
}

OptimizerRegistrar reg({{
    "sgd", "SGD", "Stochastic gradient descent, optionally with (Nesterov) momentum",
    {
        {"lr", "float", {}, true, "learning rate (required, as in torch.optim.SGD)"},
        {"momentum", "float", Opt::number(0), false, "momentum factor"},
        {"dampening", "float", Opt::number(0), false, "dampening for momentum"},
        {"weight_decay", "float", Opt::number(0), false, "L2 penalty"},
        {"nesterov", "bool", Opt::boolean(false), false, "Nesterov momentum"},
        {"maximize", "bool", Opt::boolean(false), false, "maximize the objective instead of minimizing"},
    },
    validate, init, step,
}});

}  // namespace
}  // namespace gs::optim
