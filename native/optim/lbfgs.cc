// L-BFGS after PyTorch's lbfgs.py (itself after minFunc): two-loop recursion
// over the last history_size curvature pairs, and the strong-Wolfe bracketing
// and zoom line search with cubic interpolation. Vectors are flat doubles;
// parameters keep their dtype and are updated as p += t·d. The `x.add_(y,
// alpha=a)` updates are fused multiply-adds, as PyTorch's CPU kernels (built
// with FMA) compute them; without that the iterates drift apart by rounding
// within a few steps on ill-conditioned problems like Rosenbrock's.
#include "lbfgs.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernel_util.h"

namespace gs::optim {
namespace {

using Vec = std::vector<double>;

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}
double abs_max(const Vec& a) {
  double m = 0;
  for (double x : a) {
    if (std::isnan(x)) return x;
    m = std::max(m, std::abs(x));
  }
  return m;
}
double abs_sum(const Vec& a) {
  double s = 0;
  for (double x : a) s += std::abs(x);
  return s;
}

// params += step * update (update flat, in parameter order).
void add_grad(std::vector<Tensor>& params, double step, const Vec& update) {
  size_t off = 0;
  for (auto& p : params) {
    GS_DISPATCH_FLOAT(p.dtype(), T, {
      T* P = p.data<T>();
      for (int64_t i = 0; i < p.numel(); ++i) P[i] = std::fma(T(step), T(update[off + static_cast<size_t>(i)]), P[i]);
    });
    off += static_cast<size_t>(p.numel());
  }
}

std::vector<Tensor> clone_params(const std::vector<Tensor>& params) {
  std::vector<Tensor> out;
  for (const auto& p : params) out.push_back(clone(p));
  return out;
}

void set_params(std::vector<Tensor>& params, const std::vector<Tensor>& x) {
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].nbytes() > 0) std::memcpy(params[i].raw(), x[i].raw(), params[i].nbytes());
}

double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2, bool bounded, double lo, double hi) {
  double xmin_bound, xmax_bound;
  if (bounded) {
    xmin_bound = lo;
    xmax_bound = hi;
  } else if (x1 <= x2) {
    xmin_bound = x1;
    xmax_bound = x2;
  } else {
    xmin_bound = x2;
    xmax_bound = x1;
  }
  const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  const double d2_square = d1 * d1 - g1 * g2;
  if (d2_square >= 0) {
    const double d2 = std::sqrt(d2_square);
    double min_pos;
    if (x1 <= x2) min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2));
    else min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return std::min(std::max(min_pos, xmin_bound), xmax_bound);
  }
  return (xmin_bound + xmax_bound) / 2.;
}

struct LineResult {
  double f;
  Vec g;
  double t;
  int evals;
};

using ObjFunc = std::function<double(double t, Vec& g)>;

LineResult strong_wolfe(const ObjFunc& obj, double t, const Vec& d, double f, const Vec& g_in, double gtd,
                        double tolerance_change, double c1 = 1e-4, double c2 = 0.9, int max_ls = 25) {
  const double d_norm = abs_max(d);
  Vec g = g_in;
  Vec g_new;
  double f_new = obj(t, g_new);
  int evals = 1;
  double gtd_new = dot(g_new, d);
  double t_prev = 0, f_prev = f, gtd_prev = gtd;
  Vec g_prev = g;
  bool done = false;
  int ls_iter = 0;
  std::vector<double> bracket, bracket_f, bracket_gtd;
  std::vector<Vec> bracket_g;
  while (ls_iter < max_ls) {
    if (f_new > (f + c1 * t * gtd) || (ls_iter > 1 && f_new >= f_prev)) {
      bracket = {t_prev, t};
      bracket_f = {f_prev, f_new};
      bracket_g = {g_prev, g_new};
      bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    if (std::abs(gtd_new) <= -c2 * gtd) {
      bracket = {t};
      bracket_f = {f_new};
      bracket_g = {g_new};
      done = true;
      break;
    }
    if (gtd_new >= 0) {
      bracket = {t_prev, t};
      bracket_f = {f_prev, f_new};
      bracket_g = {g_prev, g_new};
      bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    const double min_step = t + 0.01 * (t - t_prev);
    const double max_step = t * 10;
    const double tmp = t;
    t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, true, min_step, max_step);
    t_prev = tmp;
    f_prev = f_new;
    g_prev = g_new;
    gtd_prev = gtd_new;
    f_new = obj(t, g_new);
    evals += 1;
    gtd_new = dot(g_new, d);
    ls_iter += 1;
  }
  if (ls_iter == max_ls) {
    bracket = {0, t};
    bracket_f = {f, f_new};
    bracket_g = {g, g_new};
    // PyTorch leaves bracket_gtd as it was here (unset unless set above);
    // the zoom below is then skipped because ls_iter == max_ls.
  }
  bool insuf_progress = false;
  size_t low = bracket_f.front() <= bracket_f.back() ? 0 : 1;
  size_t high = 1 - low;
  if (bracket.size() == 1) {
    low = 0;
    high = 0;
  }
  while (!done && ls_iter < max_ls) {
    if (std::abs(bracket[1] - bracket[0]) * d_norm < tolerance_change) break;
    t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1], false, 0, 0);
    const double bmax = std::max(bracket[0], bracket[1]), bmin = std::min(bracket[0], bracket[1]);
    const double eps = 0.1 * (bmax - bmin);
    if (std::min(bmax - t, t - bmin) < eps) {
      if (insuf_progress || t >= bmax || t <= bmin) {
        t = std::abs(t - bmax) < std::abs(t - bmin) ? bmax - eps : bmin + eps;
        insuf_progress = false;
      } else {
        insuf_progress = true;
      }
    } else {
      insuf_progress = false;
    }
    f_new = obj(t, g_new);
    evals += 1;
    gtd_new = dot(g_new, d);
    ls_iter += 1;
    if (f_new > (f + c1 * t * gtd) || f_new >= bracket_f[low]) {
      bracket[high] = t;
      bracket_f[high] = f_new;
      bracket_g[high] = g_new;
      bracket_gtd[high] = gtd_new;
      low = bracket_f[0] <= bracket_f[1] ? 0 : 1;
      high = 1 - low;
    } else {
      if (std::abs(gtd_new) <= -c2 * gtd) {
        done = true;
      } else if (gtd_new * (bracket[high] - bracket[low]) >= 0) {
        bracket[high] = bracket[low];
        bracket_f[high] = bracket_f[low];
        bracket_g[high] = bracket_g[low];
        bracket_gtd[high] = bracket_gtd[low];
      }
      bracket[low] = t;
      bracket_f[low] = f_new;
      bracket_g[low] = g_new;
      bracket_gtd[low] = gtd_new;
    }
  }
  return {bracket_f[low], bracket_g[low], bracket[low], evals};
}

void validate(const Options& h) {
  require(num(h, "lr") >= 0, "Invalid learning rate: " + pyfloat(num(h, "lr")));
  require(num(h, "max_iter") >= 1, "max_iter must be at least 1");
  require(num(h, "history_size") >= 1, "history_size must be at least 1");
  if (!is_null(h, "line_search_fn"))
    require(str(h, "line_search_fn") == "strong_wolfe", "only 'strong_wolfe' is supported");
}

OptimizerRegistrar reg({{
    "lbfgs", "LBFGS", "Limited-memory BFGS (closure-based: POST /v1/optimize only; one parameter group)",
    {
        {"lr", "float", Opt::number(1), false, "learning rate"},
        {"max_iter", "int", Opt::number(20), false, "maximal number of iterations per optimization step"},
        {"max_eval", "int?", {}, false, "maximal number of function evaluations per step (default: max_iter * 5 // 4)"},
        {"tolerance_grad", "float", Opt::number(1e-7), false, "termination tolerance on first order optimality"},
        {"tolerance_change", "float", Opt::number(1e-9), false, "termination tolerance on function value/parameter changes"},
        {"history_size", "int", Opt::number(100), false, "update history size"},
        {"line_search_fn", "str?", {}, false, "null or 'strong_wolfe'"},
    },
    validate, nullptr, nullptr, true,
}});

}  // namespace

int64_t lbfgs_max_evals(const Options& h) {
  const double max_iter = num(h, "max_iter");
  const double max_eval = is_null(h, "max_eval") ? std::floor(max_iter * 5 / 4) : num(h, "max_eval");
  // PyTorch checks max_eval after each iteration; a line search may overrun it by up to 25.
  const double per_iter = is_null(h, "line_search_fn") ? 1 : 25;
  return static_cast<int64_t>(1 + std::min(max_eval + per_iter, max_iter * per_iter));
}

double lbfgs_step(std::vector<Tensor>& params, const Closure& closure, LbfgsState& st, const Options& h) {
  const double lr = num(h, "lr"), max_iter = num(h, "max_iter");
  const double max_eval = is_null(h, "max_eval") ? std::floor(max_iter * 5 / 4) : num(h, "max_eval");
  const double tolerance_grad = num(h, "tolerance_grad"), tolerance_change = num(h, "tolerance_change");
  const size_t history_size = static_cast<size_t>(num(h, "history_size"));
  const bool wolfe = !is_null(h, "line_search_fn");

  Vec flat_grad;
  const double orig_loss = closure(flat_grad);
  double loss = orig_loss;
  double current_evals = 1;
  st.func_evals += 1;
  bool opt_cond = abs_max(flat_grad) <= tolerance_grad;
  if (opt_cond) return orig_loss;

  Vec& d = st.d;
  double& t = st.t;
  int n_iter = 0;
  while (n_iter < max_iter) {
    ctx().check_cancel();
    n_iter += 1;
    st.n_iter += 1;
    if (st.n_iter == 1) {
      d.resize(flat_grad.size());
      for (size_t i = 0; i < d.size(); ++i) d[i] = -flat_grad[i];
      st.old_dirs.clear();
      st.old_stps.clear();
      st.ro.clear();
      st.H_diag = 1;
    } else {
      Vec y(flat_grad.size()), s(flat_grad.size());
      for (size_t i = 0; i < y.size(); ++i) {
        y[i] = flat_grad[i] - st.prev_flat_grad[i];
        s[i] = d[i] * t;
      }
      const double ys = dot(y, s);
      if (ys > 1e-10) {
        if (st.old_dirs.size() == history_size) {
          st.old_dirs.erase(st.old_dirs.begin());
          st.old_stps.erase(st.old_stps.begin());
          st.ro.erase(st.ro.begin());
        }
        st.old_dirs.push_back(y);
        st.old_stps.push_back(s);
        st.ro.push_back(1. / ys);
        st.H_diag = ys / dot(y, y);
      }
      const size_t num_old = st.old_dirs.size();
      std::vector<double> al(num_old);
      Vec q(flat_grad.size());
      for (size_t i = 0; i < q.size(); ++i) q[i] = -flat_grad[i];
      for (size_t k = num_old; k-- > 0;) {
        al[k] = dot(st.old_stps[k], q) * st.ro[k];
        for (size_t i = 0; i < q.size(); ++i) q[i] = std::fma(-al[k], st.old_dirs[k][i], q[i]);
      }
      for (size_t i = 0; i < q.size(); ++i) d[i] = q[i] * st.H_diag;
      for (size_t k = 0; k < num_old; ++k) {
        const double be_i = dot(st.old_dirs[k], d) * st.ro[k];
        for (size_t i = 0; i < d.size(); ++i) d[i] = std::fma(al[k] - be_i, st.old_stps[k][i], d[i]);
      }
    }
    st.prev_flat_grad = flat_grad;
    st.prev_loss = loss;
    st.has_history = true;
    if (st.n_iter == 1) t = std::min(1., 1. / abs_sum(flat_grad)) * lr;
    else t = lr;
    const double gtd = dot(flat_grad, d);
    if (gtd > -tolerance_change) break;

    double ls_func_evals = 0;
    if (wolfe) {
      const std::vector<Tensor> x_init = clone_params(params);
      ObjFunc obj = [&](double tt, Vec& g) {
        add_grad(params, tt, d);
        const double l = closure(g);
        set_params(params, x_init);
        return l;
      };
      LineResult r = strong_wolfe(obj, t, d, loss, flat_grad, gtd, tolerance_change);
      loss = r.f;
      flat_grad = std::move(r.g);
      t = r.t;
      ls_func_evals = r.evals;
      add_grad(params, t, d);
      opt_cond = abs_max(flat_grad) <= tolerance_grad;
    } else {
      add_grad(params, t, d);
      if (n_iter != max_iter) {
        loss = closure(flat_grad);
        opt_cond = abs_max(flat_grad) <= tolerance_grad;
        ls_func_evals = 1;
      }
    }
    current_evals += ls_func_evals;
    st.func_evals += ls_func_evals;
    if (n_iter == max_iter) break;
    if (current_evals >= max_eval) break;
    if (opt_cond) break;
    double dmax = 0;
    for (double x : d) dmax = std::max(dmax, std::abs(x * t));
    if (dmax <= tolerance_change) break;
    if (std::abs(loss - st.prev_loss) < tolerance_change) break;
  }
  return orig_loss;
}

}  // namespace gs::optim
