// torch.optim.LBFGS: limited-memory BFGS with an optional strong-Wolfe line
// search. It needs a closure (re-evaluate the loss and its gradient), so it
// runs only inside the optimisation loop.
#pragma once
#include <functional>

#include "optim.h"

namespace gs::optim {

struct LbfgsState {
  double func_evals = 0, n_iter = 0;
  bool has_history = false;  // d, t, ... exist (after the first step)
  std::vector<double> d, prev_flat_grad;
  double t = 0, H_diag = 1, prev_loss = 0;
  std::vector<std::vector<double>> old_dirs, old_stps;
  std::vector<double> ro;
};

// Evaluates the loss at the current parameters and writes the flat gradient.
using Closure = std::function<double(std::vector<double>& flat_grad)>;

// One LBFGS.step(closure); returns the loss of the first evaluation.
double lbfgs_step(std::vector<Tensor>& params, const Closure& closure, LbfgsState& st, const Options& h);

// The largest number of closure evaluations one step may make.
int64_t lbfgs_max_evals(const Options& h);

}  // namespace gs::optim
