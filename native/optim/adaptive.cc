// Per-coordinate step sizes without moments of the Adam kind: Adagrad,
// Adadelta, RMSprop, Rprop, and averaged SGD (ASGD).
#include "kernel_util.h"

namespace gs::optim {
namespace {

const HyperDef kMaximize{"maximize", "bool", Opt::boolean(false), false, "maximize the objective instead of minimizing"};
HyperDef wd_def(double d = 0) { return {"weight_decay", "float", Opt::number(d), false, "weight decay (L2 penalty)"}; }

void check_nonneg(const Options& h, const char* key, const std::string& label) {
  require(num(h, key) >= 0, "Invalid " + label + ": " + pyfloat(num(h, key)));
}

// ---- Adagrad -------------------------------------------------------------

void adagrad_validate(const Options& h) {
  check_nonneg(h, "lr", "learning rate");
  check_nonneg(h, "lr_decay", "lr_decay value");
  check_nonneg(h, "weight_decay", "weight_decay value");
  check_nonneg(h, "initial_accumulator_value", "initial_accumulator_value value");
  check_nonneg(h, "eps", "epsilon value");
}

ParamState adagrad_init(const Tensor& p, const Options& h) {
  ParamState s;
  s.set("step", StateValue::number(0));
  s.set("sum", StateValue::tensor(full_like(p, num(h, "initial_accumulator_value"))));
  return s;
}

void adagrad_step(Tensor& p, const Tensor& g, ParamState& s, const Options& h) {
  const double lr = num(h, "lr"), lr_decay = num(h, "lr_decay"), wd = num(h, "weight_decay"), eps = num(h, "eps");
  const bool maximize = flag(h, "maximize");
  const double step = (s.at("step").num += 1);
  if (p.is_meta()) return;
  const double clr = lr / (1 + (step - 1) * lr_decay);
  GS_DISPATCH_FLOAT(p.dtype(), T, {
    T* P = p.data<T>();
    const T* G = g.data<T>();
    T* S = s.at("sum").t.data<T>();
    for (int64_t i = 0; i < p.numel(); ++i) {
      T gr = maximize ? -G[i] : G[i];
      if (wd != 0) gr = gr + T(wd) * P[i];
      S[i] = S[i] + T(1) * gr * gr;
      const T std_ = std::sqrt(S[i]) + T(eps);
      P[i] = P[i] + T(-clr) * (gr / std_);
    }
  });
}

// ---- Adadelta ------------------------------------------------------------

void adadelta_validate(const Options& h) {
  check_nonneg(h, "lr", "learning rate");
  require(num(h, "rho") >= 0 && num(h, "rho") <= 1, "Invalid rho value: " + pyfloat(num(h, "rho")));
  check_nonneg(h, "eps", "epsilon value");
  check_nonneg(h, "weight_decay", "weight_decay value");
}

ParamState adadelta_init(const Tensor& p, const Options&) {
  ParamState s;
  s.set("step", StateValue::number(0));
  s.set("square_avg", StateValue::tensor(zeros_like(p)));
  s.set("acc_delta", StateValue::tensor(zeros_like(p)));
  return s;
}

void adadelta_step(Tensor& p, const Tensor& g, ParamState& s, const Options& h) {
  const double lr = num(h, "lr"), rho = num(h, "rho"), eps = num(h, "eps"), wd = num(h, "weight_decay");
  const bool maximize = flag(h, "maximize");
  s.at("step").num += 1;
  if (p.is_meta()) return;
  GS_DISPATCH_FLOAT(p.dtype(), T, {
    T* P = p.data<T>();
    const T* G = g.data<T>();
    T* SQ = s.at("square_avg").t.data<T>();
    T* AD = s.at("acc_delta").t.data<T>();
    for (int64_t i = 0; i < p.numel(); ++i) {
      T gr = maximize ? -G[i] : G[i];
      if (wd != 0) gr = gr + T(wd) * P[i];
      SQ[i] = SQ[i] * T(rho) + T(1 - rho) * gr * gr;
      const T std_ = std::sqrt(SQ[i] + T(eps));
      const T delta = std::sqrt(AD[i] + T(eps)) / std_ * gr;
      AD[i] = AD[i] * T(rho) + T(1 - rho) * delta * delta;
      P[i] = P[i] + T(-lr) * delta;
    }
  });
}

// ---- RMSprop -------------------------------------------------------------

void rmsprop_validate(const Options& h) {
  check_nonneg(h, "lr", "learning rate");
  check_nonneg(h, "eps", "epsilon value");
  check_nonneg(h, "momentum", "momentum value");
  check_nonneg(h, "weight_decay", "weight_decay value");
  check_nonneg(h, "alpha", "alpha value");
}

ParamState rmsprop_init(const Tensor& p, const Options& h) {
  ParamState s;
  s.set("step", StateValue::number(0));
  s.set("square_avg", StateValue::tensor(zeros_like(p)));
  if (num(h, "momentum") > 0) s.set("momentum_buffer", StateValue::tensor(zeros_like(p)));
  if (flag(h, "centered")) s.set("grad_avg", StateValue::tensor(zeros_like(p)));
  return s;
}

void rmsprop_step(Tensor& p, const Tensor& g, ParamState& s, const Options& h) {
  const double lr = num(h, "lr"), alpha = num(h, "alpha"), eps = num(h, "eps"), wd = num(h, "weight_decay"),
               momentum = num(h, "momentum");
  const bool centered = flag(h, "centered"), maximize = flag(h, "maximize");
  // A scheduler may turn momentum on after the first step (cyclic_lr): the
  // buffer is then created as PyTorch would have at its first step.
  if (momentum > 0 && !s.find("momentum_buffer")) s.set("momentum_buffer", StateValue::tensor(zeros_like(p)));
  s.at("step").num += 1;
  if (p.is_meta()) return;
  GS_DISPATCH_FLOAT(p.dtype(), T, {
    T* P = p.data<T>();
    const T* G = g.data<T>();
    T* SQ = s.at("square_avg").t.data<T>();
    T* GA = centered ? s.at("grad_avg").t.data<T>() : nullptr;
    T* B = momentum > 0 ? s.at("momentum_buffer").t.data<T>() : nullptr;
    for (int64_t i = 0; i < p.numel(); ++i) {
      T gr = maximize ? -G[i] : G[i];
      if (wd != 0) gr = gr + T(wd) * P[i];
      SQ[i] = SQ[i] * T(alpha) + T(1 - alpha) * gr * gr;
      T avg;
      if (centered) {
        GA[i] = GA[i] * T(alpha) + T(1 - alpha) * gr;
        avg = std::sqrt(SQ[i] + T(-1) * GA[i] * GA[i]);
      } else {
        avg = std::sqrt(SQ[i]);
      }
      avg = avg + T(eps);
      if (momentum > 0) {
        B[i] = B[i] * T(momentum) + T(1) * (gr / avg);
        P[i] = P[i] + T(-lr) * B[i];
      } else {
        P[i] = P[i] + T(-lr) * (gr / avg);
      }
    }
  });
}

// ---- Rprop ---------------------------------------------------------------

void rprop_validate(const Options& h) {
  check_nonneg(h, "lr", "learning rate");
  const double em = pair_at(h, "etas", 0), ep = pair_at(h, "etas", 1);
  require(0.0 < em && em < 1.0 && 1.0 < ep, "Invalid eta values: " + pyfloat(em) + ", " + pyfloat(ep));
}

ParamState rprop_init(const Tensor& p, const Options& h) {
  ParamState s;
  s.set("step", StateValue::number(0));
  s.set("prev", StateValue::tensor(zeros_like(p)));
  s.set("step_size", StateValue::tensor(full_like(p, num(h, "lr"))));
  return s;
}

void rprop_step(Tensor& p, const Tensor& g, ParamState& s, const Options& h) {
  const double etaminus = pair_at(h, "etas", 0), etaplus = pair_at(h, "etas", 1);
  const double smin = pair_at(h, "step_sizes", 0), smax = pair_at(h, "step_sizes", 1);
  const bool maximize = flag(h, "maximize");
  s.at("step").num += 1;
  if (p.is_meta()) return;
  GS_DISPATCH_FLOAT(p.dtype(), T, {
    T* P = p.data<T>();
    const T* G = g.data<T>();
    T* PR = s.at("prev").t.data<T>();
    T* SS = s.at("step_size").t.data<T>();
    for (int64_t i = 0; i < p.numel(); ++i) {
      T gr = maximize ? -G[i] : G[i];
      const T prod = gr * PR[i];
      T factor = prod > 0 ? T(etaplus) : prod < 0 ? T(etaminus) : prod == 0 ? T(1) : prod;  // NaN stays NaN
      T ss = SS[i] * factor;
      ss = std::isnan(ss) ? ss : std::min(std::max(ss, T(smin)), T(smax));
      SS[i] = ss;
      if (factor == T(etaminus)) gr = T(0);
      const T sg = gr > 0 ? T(1) : gr < 0 ? T(-1) : gr == 0 ? T(0) : gr;
      P[i] = P[i] + T(-1) * sg * ss;
      PR[i] = gr;
    }
  });
}

// ---- ASGD ----------------------------------------------------------------
// eta and mu live in float32 0-d tensors in PyTorch; we round them alike.

void asgd_validate(const Options& h) {
  check_nonneg(h, "lr", "learning rate");
  check_nonneg(h, "weight_decay", "weight_decay value");
}

ParamState asgd_init(const Tensor& p, const Options& h) {
  ParamState s;
  s.set("step", StateValue::number(0));
  s.set("eta", StateValue::number(static_cast<float>(num(h, "lr"))));
  s.set("mu", StateValue::number(1));
  s.set("ax", StateValue::tensor(zeros_like(p)));
  return s;
}

void asgd_step(Tensor& p, const Tensor& g, ParamState& s, const Options& h) {
  const double lr = num(h, "lr"), lambd = num(h, "lambd"), alpha = num(h, "alpha"), t0 = num(h, "t0"),
               wd = num(h, "weight_decay");
  const bool maximize = flag(h, "maximize");
  const double step = (s.at("step").num += 1);
  const double eta = static_cast<float>(s.at("eta").num), mu = static_cast<float>(s.at("mu").num);
  if (!p.is_meta()) {
    GS_DISPATCH_FLOAT(p.dtype(), T, {
      T* P = p.data<T>();
      const T* G = g.data<T>();
      T* AX = s.at("ax").t.data<T>();
      for (int64_t i = 0; i < p.numel(); ++i) {
        T gr = maximize ? -G[i] : G[i];
        if (wd != 0) gr = gr + T(wd) * P[i];
        P[i] = P[i] * T(1 - lambd * eta);
        P[i] = P[i] + T(-eta) * gr;
        AX[i] = mu != 1 ? AX[i] + (P[i] - AX[i]) * T(mu) : P[i];
      }
    });
  }
  s.at("eta").num = static_cast<float>(lr / std::pow(1 + lambd * lr * step, alpha));
  s.at("mu").num = static_cast<float>(1 / std::max(1.0, step - t0));
}

OptimizerRegistrar reg({
    {"asgd", "ASGD", "Averaged stochastic gradient descent",
     {{"lr", "float", Opt::number(1e-2), false, "learning rate"},
      {"lambd", "float", Opt::number(1e-4), false, "decay term"},
      {"alpha", "float", Opt::number(0.75), false, "power for eta update"},
      {"t0", "float", Opt::number(1e6), false, "point at which to start averaging"},
      wd_def(),
      kMaximize},
     asgd_validate, asgd_init, asgd_step},
    {"rprop", "Rprop", "Resilient backpropagation: per-coordinate step sizes from gradient signs",
     {{"lr", "float", Opt::number(1e-2), false, "initial step size"},
      {"etas", "float[2]", Opt::numbers({0.5, 1.2}), false, "(etaminus, etaplus): multiplicative decrease and increase factors"},
      {"step_sizes", "float[2]", Opt::numbers({1e-6, 50}), false, "minimal and maximal step sizes"},
      kMaximize},
     rprop_validate, rprop_init, rprop_step},
    {"adagrad", "Adagrad", "Adaptive gradient: steps scaled by the root of the summed squared gradients",
     {{"lr", "float", Opt::number(1e-2), false, "learning rate"},
      {"lr_decay", "float", Opt::number(0), false, "learning rate decay"},
      wd_def(),
      {"initial_accumulator_value", "float", Opt::number(0), false, "initial value of the sum of squares"},
      {"eps", "float", Opt::number(1e-10), false, "term added to the denominator for numerical stability"},
      kMaximize},
     adagrad_validate, adagrad_init, adagrad_step},
    {"adadelta", "Adadelta", "Adadelta: an adaptive learning rate method",
     {{"lr", "float", Opt::number(1.0), false, "coefficient that scales delta before it is applied"},
      {"rho", "float", Opt::number(0.9), false, "coefficient of the running average of squared gradients"},
      {"eps", "float", Opt::number(1e-6), false, "term added to the denominator for numerical stability"},
      wd_def(),
      kMaximize},
     adadelta_validate, adadelta_init, adadelta_step},
    {"rmsprop", "RMSprop", "RMSprop: steps scaled by a running average of squared gradients",
     {{"lr", "float", Opt::number(1e-2), false, "learning rate"},
      {"alpha", "float", Opt::number(0.99), false, "smoothing constant"},
      {"eps", "float", Opt::number(1e-8), false, "term added to the denominator for numerical stability"},
      wd_def(),
      {"momentum", "float", Opt::number(0), false, "momentum factor"},
      {"centered", "bool", Opt::boolean(false), false, "normalize by an estimate of the gradient's variance"},
      kMaximize},
     rmsprop_validate, rmsprop_init, rmsprop_step},
});

}  // namespace
}  // namespace gs::optim
