// The optimisation loop of POST /v1/optimize, inside the engine: each step
// re-executes the compiled graph with the current parameters, takes the
// gradient of the loss, steps the optimizer and then the scheduler — the
// order of a PyTorch loop (zero_grad, backward, step, scheduler.step).
#pragma once
#include <functional>

#include "../ir.h"
#include "lbfgs.h"
#include "optim.h"
#include "scheduler.h"

namespace gs::optim {

struct OptimizeJob {
  IRProgram prog;  // the graph; backward is set up by optimize()
  std::vector<Tensor> inputs;
  std::vector<int> param_slots;  // inputs that are parameters
  std::vector<std::string> param_names;
  int loss_slot = -1;
  std::string loss_name;
  std::vector<int> record_slots;
  std::vector<std::string> record_names;
  const OptimizerDef* optimizer = nullptr;
  std::vector<Group> groups;        // options not yet resolved
  std::vector<ParamState> states;   // empty entries: fresh state
  bool has_scheduler = false;
  Options scheduler;
  int64_t steps = 1;
  RunOptions run;  // limits, cancel flag, deadline
  // Called after step `done` (1-based) with the history so far.
  std::function<void(int64_t done)> on_progress;
};

struct OptimizeResult {
  std::vector<Tensor> params;
  std::vector<double> loss, lr;
  std::vector<Tensor> records;  // one per record slot: shape [steps, ...]
  std::vector<ParamState> states;
  std::vector<Group> groups;
  int64_t bytes = 0, flops = 0, ops = 0;  // the estimate held against the limits
};

// Resolves the groups' options against the optimizer's hyper-parameters and
// checks them (PyTorch's constructor errors).
void resolve_groups(const OptimizerDef& def, std::vector<Group>& groups);

OptimizeResult optimize(OptimizeJob& job, OptimizeResult& out);

// ParamState <-> LBFGS state (keyed on the first parameter, as PyTorch does).
ParamState lbfgs_to_state(const LbfgsState& s, DType dt);
LbfgsState lbfgs_from_state(const ParamState& s, int64_t numel);

}  // namespace gs::optim
