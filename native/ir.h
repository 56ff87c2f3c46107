// Executes a checked op list (the IR). Slots 0..num_inputs-1 hold the inputs;
// node i writes slot num_inputs + i. The same executor runs in meta mode for
// the dry run that checks shapes and costs a job before it is admitted.
#pragma once
#include <chrono>
#include <cstdint>
#include <vector>

#include "context.h"
#include "registry.h"

namespace gs {

struct IRNode {
  const OpDef* op = nullptr;
  std::vector<Value> args;  // Tensor args carry a slot, Tensor[] args slots
};

struct IRProgram {
  int num_inputs = 0;
  std::vector<IRNode> nodes;
  // Optional final backward: gradients of `of` with respect to `wrt` slots.
  bool backward = false;
  int of = -1;
  std::vector<int> wrt;
  int grad_output = -1;
};

struct Slot {
  Tensor t;
  std::vector<Tensor> list;
  bool is_list = false;
};

// What execute() works out from the program alone: the slots whose values
// must record autograd nodes, the slots that become leaves requiring grad,
// and the transposes that may fuse into matrix products. The same for every
// run of a program, so a prepared program makes it once (plan()).
struct ExecPlan {
  std::vector<uint8_t> rec;         // per slot
  std::vector<uint8_t> wrt;         // per slot
  std::vector<uint8_t> deferrable;  // per slot; empty when nothing can fuse
};

// The plan of p; fuse_keep as in RunOptions (null: no fusion).
ExecPlan plan(const IRProgram& p, const std::vector<int>* fuse_keep);

struct RunOptions {
  bool meta = false;
  Limits limits;
  const volatile int32_t* cancel_flag = nullptr;
  double deadline_ms = 0;  // 0: none
  // An absolute deadline instead (a loop of runs shares one job deadline).
  bool has_deadline_at = false;
  std::chrono::steady_clock::time_point deadline_at;
  // Slots the caller reads after a real run (its outputs). When given, a
  // transpose (`.T`, `.mT`, transpose(-2, -1)) whose only uses are operands of
  // matmul/mm is not copied: the products read its input with a transpose
  // flag. Meta runs (the cost model, dry runs) never fuse, so their figures
  // and every slot's shape stay as written.
  const std::vector<int>* fuse_keep = nullptr;
  // plan(p, fuse_keep) made beforehand (a prepared program's); null: made per run.
  const ExecPlan* plan = nullptr;
};

struct RunResult {
  std::vector<Slot> slots;
  std::vector<Tensor> grads;
  int64_t bytes = 0, flops = 0, ops = 0;
};

RunResult execute(const IRProgram& p, std::vector<Tensor> inputs, const RunOptions& o);

}  // namespace gs
