// The Adam family: Adam (with amsgrad), AdamW (decoupled weight decay),
// Adamax (infinity norm), NAdam (Nesterov momentum with momentum decay),
// RAdam (rectified) and SparseAdam (lazy: only entries with a gradient).
#include "kernel_util.h"

namespace gs::optim {
namespace {

void check_common(const Options& h, bool lr_strict = false) {
  const double lr = num(h, "lr"), eps = num(h, "eps");
  if (lr_strict) {
    require(lr > 0, "Invalid learning rate: " + pyfloat(lr));
    require(eps > 0, "Invalid epsilon value: " + pyfloat(eps));
  } else {
    require(lr >= 0, "Invalid learning rate: " + pyfloat(lr));
    require(eps >= 0, "Invalid epsilon value: " + pyfloat(eps));
  }
  const double b0 = pair_at(h, "betas", 0), b1 = pair_at(h, "betas", 1);
  require(b0 >= 0 && b0 < 1, "Invalid beta parameter at index 0: " + pyfloat(b0));
  require(b1 >= 0 && b1 < 1, "Invalid beta parameter at index 1: " + pyfloat(b1));
  if (h.count("weight_decay")) require(num(h, "weight_decay") >= 0, "Invalid weight_decay value: " + pyfloat(num(h, "weight_decay")));
}

std::vector<HyperDef> adam_hypers(double lr, double wd, bool amsgrad, bool maximize) {
  std::vector<HyperDef> v = {
      {"lr", "float", Opt::number(lr), false, "learning rate"},
      {"betas", "float[2]", Opt::numbers({0.9, 0.999}), false, "coefficients of the running averages of the gradient and its square"},
      {"eps", "float", Opt::number(1e-8), false, "term added to the denominator for numerical stability"},
      {"weight_decay", "float", Opt::number(wd), false, "weight decay (L2 penalty)"},
  };
  if (amsgrad) v.push_back({"amsgrad", "bool", Opt::boolean(false), false, "use the AMSGrad variant"});
  if (maximize) v.push_back({"maximize", "bool", Opt::boolean(false), false, "maximize the objective instead of minimizing"});
  return v;
}

// ---- Adam and AdamW ----------------------------------------------------

void adam_validate(const Options& h) { check_common(h); }

ParamState adam_init(const Tensor& p, const Options& h) {
  ParamState s;
  s.set("step", StateValue::number(0));
  s.set("exp_avg", StateValue::tensor(zeros_like(p)));
  s.set("exp_avg_sq", StateValue::tensor(zeros_like(p)));
  if (flag(h, "amsgrad")) s.set("max_exp_avg_sq", StateValue::tensor(zeros_like(p)));
  return s;
}

template <bool Decoupled>
void adam_step(Tensor& p, const Tensor& g, ParamState& s, const Options& h) {
  const double lr = num(h, "lr"), b1 = pair_at(h, "betas", 0), b2 = pair_at(h, "betas", 1), eps = num(h, "eps"),
               wd = num(h, "weight_decay");
  const bool amsgrad = flag(h, "amsgrad"), maximize = flag(h, "maximize");
  const double step = (s.at("step").num += 1);
  if (p.is_meta()) return;
  const double bc1 = 1 - std::pow(b1, step), bc2 = 1 - std::pow(b2, step);
  const double step_size = lr / bc1, bc2_sqrt = std::sqrt(bc2);
  GS_DISPATCH_FLOAT(p.dtype(), T, {
    T* P = p.data<T>();
    const T* G = g.data<T>();
    T* M = s.at("exp_avg").t.data<T>();
    T* V = s.at("exp_avg_sq").t.data<T>();
    T* MX = amsgrad ? s.at("max_exp_avg_sq").t.data<T>() : nullptr;
    for (int64_t i = 0; i < p.numel(); ++i) {
      T gr = maximize ? -G[i] : G[i];
      if (Decoupled) P[i] = P[i] * T(1 - lr * wd);
      else if (wd != 0) gr = gr + T(wd) * P[i];
      M[i] = M[i] * T(b1) + T(1 - b1) * gr;
      V[i] = V[i] * T(b2) + T(1 - b2) * gr * gr;
      T denom;
      if (amsgrad) {
        MX[i] = nan_max(MX[i], V[i]);
        denom = std::sqrt(MX[i]) / T(bc2_sqrt) + T(eps);
      } else {
        denom = std::sqrt(V[i]) / T(bc2_sqrt) + T(eps);
      }
      P[i] = P[i] + T(-step_size) * (M[i] / denom);
    }
  });
}

void adamw_validate(const Options& h) { check_common(h); }

// ---- Adamax --------------------------------------------------------------

ParamState adamax_init(const Tensor& p, const Options&) {
  ParamState s;
  s.set("step", StateValue::number(0));
  s.set("exp_avg", StateValue::tensor(zeros_like(p)));
  s.set("exp_inf", StateValue::tensor(zeros_like(p)));
  return s;
}

void adamax_step(Tensor& p, const Tensor& g, ParamState& s, const Options& h) {
  const double lr = num(h, "lr"), b1 = pair_at(h, "betas", 0), b2 = pair_at(h, "betas", 1), eps = num(h, "eps"),
               wd = num(h, "weight_decay");
  const bool maximize = flag(h, "maximize");
  const double step = (s.at("step").num += 1);
  if (p.is_meta()) return;
  const double clr = lr / (1 - std::pow(b1, step));
  GS_DISPATCH_FLOAT(p.dtype(), T, {
    T* P = p.data<T>();
    const T* G = g.data<T>();
    T* M = s.at("exp_avg").t.data<T>();
    T* U = s.at("exp_inf").t.data<T>();
    for (int64_t i = 0; i < p.numel(); ++i) {
      T gr = maximize ? -G[i] : G[i];
      if (wd != 0) gr = gr + T(wd) * P[i];
      M[i] = M[i] * T(b1) + T(1 - b1) * gr;
      U[i] = nan_max(U[i] * T(b2), std::abs(gr) + T(eps));
      P[i] = P[i] + T(-clr) * (M[i] / U[i]);
    }
  });
}

// ---- NAdam ---------------------------------------------------------------

void nadam_validate(const Options& h) {
  check_common(h);
  require(num(h, "momentum_decay") >= 0, "Invalid momentum_decay value: " + pyfloat(num(h, "momentum_decay")));
}

ParamState nadam_init(const Tensor& p, const Options&) {
  ParamState s;
  s.set("step", StateValue::number(0));
  s.set("mu_product", StateValue::number(1));
  s.set("exp_avg", StateValue::tensor(zeros_like(p)));
  s.set("exp_avg_sq", StateValue::tensor(zeros_like(p)));
  return s;
}

void nadam_step(Tensor& p, const Tensor& g, ParamState& s, const Options& h) {
  const double lr = num(h, "lr"), b1 = pair_at(h, "betas", 0), b2 = pair_at(h, "betas", 1), eps = num(h, "eps"),
               wd = num(h, "weight_decay"), md = num(h, "momentum_decay");
  const double step = (s.at("step").num += 1);
  const double bc2 = 1 - std::pow(b2, step);
  const double mu = b1 * (1. - 0.5 * std::pow(0.96, step * md));
  const double mu_next = b1 * (1. - 0.5 * std::pow(0.96, (step + 1) * md));
  // PyTorch keeps mu_product in a float32 0-d tensor: products round to float.
  const float mp = static_cast<float>(s.at("mu_product").num) * static_cast<float>(mu);
  const float mp_next = (mp * static_cast<float>(mu)) * static_cast<float>(mu_next);
  s.at("mu_product").num = mp;
  if (p.is_meta()) return;
  const double c_grad = -lr * (1. - mu) / (1. - static_cast<double>(mp));
  const double c_avg = -lr * mu_next / (1. - static_cast<double>(mp_next));
  GS_DISPATCH_FLOAT(p.dtype(), T, {
    T* P = p.data<T>();
    const T* G = g.data<T>();
    T* M = s.at("exp_avg").t.data<T>();
    T* V = s.at("exp_avg_sq").t.data<T>();
    for (int64_t i = 0; i < p.numel(); ++i) {
      T gr = G[i];
      if (wd != 0) gr = gr + T(wd) * P[i];
      M[i] = M[i] * T(b1) + T(1 - b1) * gr;
      V[i] = V[i] * T(b2) + T(1 - b2) * gr * gr;
      const T denom = std::sqrt(V[i] / T(bc2)) + T(eps);
      P[i] = P[i] + T(c_grad) * (gr / denom);
      P[i] = P[i] + T(c_avg) * (M[i] / denom);
    }
  });
}

// ---- RAdam ---------------------------------------------------------------

ParamState radam_init(const Tensor& p, const Options&) {
  ParamState s;
  s.set("step", StateValue::number(0));
  s.set("exp_avg", StateValue::tensor(zeros_like(p)));
  s.set("exp_avg_sq", StateValue::tensor(zeros_like(p)));
  return s;
}

void radam_step(Tensor& p, const Tensor& g, ParamState& s, const Options& h) {
  const double lr = num(h, "lr"), b1 = pair_at(h, "betas", 0), b2 = pair_at(h, "betas", 1), eps = num(h, "eps"),
               wd = num(h, "weight_decay");
  const double step = (s.at("step").num += 1);
  if (p.is_meta()) return;
  const double bc1 = 1 - std::pow(b1, step), bc2 = 1 - std::pow(b2, step);
  const double rho_inf = 2 / (1 - b2) - 1;
  const double rho_t = rho_inf - 2 * step * std::pow(b2, step) / bc2;
  const bool rectify = rho_t > 5.;
  const double rect = rectify ? std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) : 0;
  const double bc2_sqrt = std::sqrt(bc2);
  GS_DISPATCH_FLOAT(p.dtype(), T, {
    T* P = p.data<T>();
    const T* G = g.data<T>();
    T* M = s.at("exp_avg").t.data<T>();
    T* V = s.at("exp_avg_sq").t.data<T>();
    for (int64_t i = 0; i < p.numel(); ++i) {
      T gr = G[i];
      if (wd != 0) gr = gr + T(wd) * P[i];
      M[i] = M[i] * T(b1) + T(1 - b1) * gr;
      V[i] = V[i] * T(b2) + T(1 - b2) * gr * gr;
      const T corrected = M[i] / T(bc1);
      if (rectify) {
        // `scalar / tensor` is reciprocal(tensor) * scalar in PyTorch.
        const T adaptive = (T(1) / (std::sqrt(V[i]) + T(eps))) * T(bc2_sqrt);
        P[i] = P[i] + T(-1) * (((corrected * T(lr)) * adaptive) * T(rect));
      } else {
        P[i] = P[i] + T(-1) * (corrected * T(lr));
      }
    }
  });
}

// ---- SparseAdam ----------------------------------------------------------
// A dense gradient stands for the sparse one PyTorch expects: its non-zero
// entries (what grad.to_sparse() keeps) are updated, the others are left as
// they are, moments included.

void sparse_adam_validate(const Options& h) { check_common(h, true); }

void sparse_adam_step(Tensor& p, const Tensor& g, ParamState& s, const Options& h) {
  const double lr = num(h, "lr"), b1 = pair_at(h, "betas", 0), b2 = pair_at(h, "betas", 1), eps = num(h, "eps");
  const bool maximize = flag(h, "maximize");
  const double step = (s.at("step").num += 1);
  if (p.is_meta()) return;
  const double step_size = lr * std::sqrt(1 - std::pow(b2, step)) / (1 - std::pow(b1, step));
  GS_DISPATCH_FLOAT(p.dtype(), T, {
    T* P = p.data<T>();
    const T* G = g.data<T>();
    T* M = s.at("exp_avg").t.data<T>();
    T* V = s.at("exp_avg_sq").t.data<T>();
    for (int64_t i = 0; i < p.numel(); ++i) {
      if (G[i] == T(0)) continue;
      const T gr = maximize ? -G[i] : G[i];
      const T old_m = M[i], old_v = V[i];
      T upd_m = (gr - old_m) * T(1 - b1);
      T upd_v = (gr * gr - old_v) * T(1 - b2);
      M[i] = M[i] + upd_m;
      V[i] = V[i] + upd_v;
      const T numer = upd_m + old_m;
      const T denom = std::sqrt(upd_v + old_v) + T(eps);
      P[i] = P[i] + (numer / denom) * T(-step_size);
    }
  });
}

OptimizerRegistrar reg({
    {"adam", "Adam", "Adam: adaptive moment estimation (amsgrad for the AMSGrad variant)", adam_hypers(1e-3, 0, true, true),
     adam_validate, adam_init, adam_step<false>},
    {"adamw", "AdamW", "Adam with decoupled weight decay", adam_hypers(1e-3, 1e-2, true, true), adamw_validate, adam_init,
     adam_step<true>},
    {"adamax", "Adamax", "Adam with the infinity norm", adam_hypers(2e-3, 0, false, true), adam_validate, adamax_init,
     adamax_step},
    {"nadam", "NAdam", "Adam with Nesterov momentum",
     [] {
       auto v = adam_hypers(2e-3, 0, false, false);
       v.push_back({"momentum_decay", "float", Opt::number(4e-3), false, "momentum decay (psi)"});
       return v;
     }(),
     nadam_validate, nadam_init, nadam_step},
    {"radam", "RAdam", "Rectified Adam", adam_hypers(1e-3, 0, false, false), adam_validate, radam_init, radam_step},
    {"sparse_adam", "SparseAdam",
     "Lazy Adam for sparse gradients: only entries whose gradient is non-zero (and their moments) are updated",
     [] {
       std::vector<HyperDef> v = {
           {"lr", "float", Opt::number(1e-3), false, "learning rate"},
           {"betas", "float[2]", Opt::numbers({0.9, 0.999}), false, "coefficients of the running averages"},
           {"eps", "float", Opt::number(1e-8), false, "term added to the denominator for numerical stability"},
           {"maximize", "bool", Opt::boolean(false), false, "maximize the objective instead of minimizing"},
       };
       return v;
     }(),
     sparse_adam_validate, radam_init, sparse_adam_step},
});

}  // namespace
}  // namespace gs::optim
