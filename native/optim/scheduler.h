// Learning-rate schedulers of torch.optim.lr_scheduler. They act on the
// optimizer's parameter groups (lr, and momentum or betas for the cycling
// schedulers), exactly as PyTorch's objects do, including what their
// constructors write into the groups (initial_lr, max_lr, ...).
#pragma once
#include <memory>

#include "optim.h"

namespace gs::optim {

struct SchedulerDef {
  std::string name;
  std::string cls;
  std::string doc;
  std::vector<HyperDef> hypers;
};

const std::vector<SchedulerDef>& schedulers();
const SchedulerDef* find_scheduler(const std::string& name);

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  // scheduler.step() after optimizer.step(); `metric` is the step's loss
  // (only reduce_lr_on_plateau reads it).
  virtual void step(double metric) = 0;
  virtual bool needs_metric() const { return false; }
};

// Builds the scheduler described by `spec` ({"name": ..., options}) on the
// groups, as its PyTorch constructor would (which already sets the lr of
// epoch 0). `opt` tells which hyper-parameters the optimizer has (momentum
// or betas, for cycle_momentum).
std::unique_ptr<Scheduler> make_scheduler(const Options& spec, std::vector<Group>& groups, const OptimizerDef& opt);

}  // namespace gs::optim
