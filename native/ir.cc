#include "ir.h"

#include <chrono>

#include "autograd.h"
#include "errors.h"

namespace gs {

namespace {

bool returns_list(const OpDef& op) { return op.schema.size() >= 8 && op.schema.compare(op.schema.size() - 8, 8, "Tensor[]") == 0; }

// Which slots must record autograd nodes: the values some later grad/backward
// differentiates, and everything they are computed from. Nothing else pays
// for recording.
std::vector<bool> slots_to_record(const IRProgram& p) {
  const size_t n = static_cast<size_t>(p.num_inputs) + p.nodes.size();
  std::vector<bool> rec(n, false);
  auto mark = [&](int s) { if (s >= 0 && static_cast<size_t>(s) < n) rec[static_cast<size_t>(s)] = true; };
  if (p.backward) mark(p.of);
  for (const auto& node : p.nodes)
    if (node.op->kind == OpKind::Autograd && !node.args.empty()) mark(node.args[0].slot);
  for (size_t i = p.nodes.size(); i-- > 0;) {
    if (!rec[static_cast<size_t>(p.num_inputs) + i]) continue;
    for (const auto& a : p.nodes[i].args) {
      mark(a.slot);
      for (int s : a.slots) mark(s);
    }
  }
  return rec;
}

// Slots something is differentiated with respect to; they become leaves that
// require grad if they do not already (like requires_grad_()).
std::vector<bool> slots_differentiated(const IRProgram& p) {
  const size_t n = static_cast<size_t>(p.num_inputs) + p.nodes.size();
  std::vector<bool> wrt(n, false);
  auto mark = [&](int s) { if (s >= 0 && static_cast<size_t>(s) < n) wrt[static_cast<size_t>(s)] = true; };
  if (p.backward)
    for (int s : p.wrt) mark(s);
  for (const auto& node : p.nodes)
    if (node.op->kind == OpKind::Autograd && node.args.size() > 1) mark(node.args[1].slot);
  return wrt;
}

void make_differentiable(Tensor& t) {
  if (t.requires_grad()) return;
  if (!is_floating(t.dtype())) throw DTypeError("only Tensors of floating point dtype can require gradients");
  t = t.detach();
  t.set_requires_grad(true);
}

const Tensor& slot_tensor(const std::vector<Slot>& slots, int s) {
  if (s < 0 || static_cast<size_t>(s) >= slots.size()) throw ValueError("internal: bad slot " + std::to_string(s));
  const Slot& sl = slots[static_cast<size_t>(s)];
  if (sl.is_list) throw ValueError("expected a tensor but got a list of tensors; index it with [i]");
  return sl.t;
}

}  // namespace

RunResult execute(const IRProgram& p, std::vector<Tensor> inputs, const RunOptions& o) {
  ContextScope scope;
  ExecContext& c = ctx();
  c.meta = o.meta;
  c.limits = o.limits;
  c.cancel_flag = o.cancel_flag;
  if (o.deadline_ms > 0) {
    c.has_deadline = true;
    c.deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(static_cast<int64_t>(o.deadline_ms * 1000));
  }
  if (o.has_deadline_at) {
    c.has_deadline = true;
    c.deadline = o.deadline_at;
  }
  const std::vector<bool> rec = slots_to_record(p);
  const std::vector<bool> wrt = slots_differentiated(p);

  RunResult r;
  r.slots.resize(static_cast<size_t>(p.num_inputs) + p.nodes.size());
  for (size_t i = 0; i < inputs.size() && i < r.slots.size(); ++i) {
    if (wrt[i]) make_differentiable(inputs[i]);
    r.slots[i].t = inputs[i];
  }

  for (size_t i = 0; i < p.nodes.size(); ++i) {
    const IRNode& node = p.nodes[i];
    const size_t slot = static_cast<size_t>(p.num_inputs) + i;
    try {
      c.check_cancel();
      c.add_op();
      std::vector<Value> args = node.args;
      for (auto& a : args) {
        if (a.kind == Value::Kind::Tensor) a.tensor = slot_tensor(r.slots, a.slot);
        else if (a.kind == Value::Kind::TensorList)
          for (int s : a.slots) {
            // A list-valued slot (the result of split or chunk) contributes all its tensors.
            const Slot& sl = r.slots.at(static_cast<size_t>(s));
            if (sl.is_list) a.tensors.insert(a.tensors.end(), sl.list.begin(), sl.list.end());
            else a.tensors.push_back(slot_tensor(r.slots, s));
          }
      }
      GradModeGuard mode(rec[slot]);
      Outs outs = node.op->fn(Args(args));
      Slot& out = r.slots[slot];
      if (returns_list(*node.op)) {
        out.is_list = true;
        out.list = std::move(outs);
      } else {
        out.t = outs.at(0);
        if (wrt[slot]) make_differentiable(out.t);
      }
    } catch (Error& e) {
      if (e.node < 0) e.node = static_cast<int>(i);
      throw;
    }
  }

  if (p.backward) {
    const Tensor& y = slot_tensor(r.slots, p.of);
    Tensor gy;
    if (p.grad_output >= 0) gy = slot_tensor(r.slots, p.grad_output);
    else if (y.numel() != 1) throw ShapeError("grad can be implicitly created only for scalar outputs");
    std::vector<Tensor> xs;
    for (int s : p.wrt) xs.push_back(slot_tensor(r.slots, s));
    r.grads = grad(y, xs, gy, false);
  }
  r.bytes = c.bytes;
  r.flops = c.flops;
  r.ops = c.ops;
  return r;
}

}  // namespace gs
