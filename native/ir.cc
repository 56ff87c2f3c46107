#include "ir.h"

#include <chrono>
#include <cmath>

#include "autograd.h"
#include "errors.h"
#include "ops/linalg.h"
#include "ops/shape.h"

namespace gs {

namespace {

// Which slots must record autograd nodes: the values some later grad/backward
// differentiates, and everything they are computed from. Nothing else pays
// for recording.
std::vector<uint8_t> slots_to_record(const IRProgram& p) {
  const size_t n = static_cast<size_t>(p.num_inputs) + p.nodes.size();
  std::vector<uint8_t> rec(n, 0);
  auto mark = [&](int s) { if (s >= 0 && static_cast<size_t>(s) < n) rec[static_cast<size_t>(s)] = 1; };
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

// The result of an op that returns one tensor.
Tensor only_tensor(Outs&& outs) {
  if (outs.empty()) throw ValueError("internal: an op returned no tensor");
  return std::move(outs[0]);
}

// Slots something is differentiated with respect to; they become leaves that
// require grad if they do not already (like requires_grad_()).
std::vector<uint8_t> slots_differentiated(const IRProgram& p) {
  const size_t n = static_cast<size_t>(p.num_inputs) + p.nodes.size();
  std::vector<uint8_t> wrt(n, 0);
  auto mark = [&](int s) { if (s >= 0 && static_cast<size_t>(s) < n) wrt[static_cast<size_t>(s)] = 1; };
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

[[noreturn]] void throw_bad_slot(const std::vector<Slot>& slots, int s) {
  if (s < 0 || static_cast<size_t>(s) >= slots.size()) throw ValueError("internal: bad slot " + std::to_string(s));
  throw ValueError("expected a tensor but got a list of tensors; index it with [i]");
}

inline const Tensor& slot_tensor(const std::vector<Slot>& slots, int s) {
  if (s < 0 || static_cast<size_t>(s) >= slots.size() || slots[static_cast<size_t>(s)].is_list) throw_bad_slot(slots, s);
  return slots[static_cast<size_t>(s)].t;
}

// Transposes that feed only matrix products (`x @ w.T`): copying the
// transpose and then copying its gradient back costs more than a small
// graph's products, and the GEMM reads either layout. deferrable[j] is true
// for node j, a t/transpose whose result every use reads as an operand of
// matmul or mm, and which is not an output, not differentiated and not the
// backward's `of` or grad_output.
enum class ProductOp { None, Matmul, Mm };

// The ops fusion looks for, found once: comparing registry entries costs a
// pointer compare per node instead of a string compare (every run asks).
struct FusionOps {
  const OpDef* matmul = find_op("matmul");
  const OpDef* mm = find_op("mm");
  const OpDef* t = find_op("t");
  const OpDef* transpose = find_op("transpose");
};
const FusionOps& fusion_ops() {
  static const FusionOps ops;
  return ops;
}

ProductOp product_op(const IRNode& n) {
  if (n.op == fusion_ops().matmul) return ProductOp::Matmul;
  if (n.op == fusion_ops().mm) return ProductOp::Mm;
  return ProductOp::None;
}

bool is_transpose_node(const IRNode& n) {
  if (n.op == fusion_ops().t) return n.args.size() == 1;
  return n.op == fusion_ops().transpose && n.args.size() == 3 && n.args[1].kind == Value::Kind::Number && n.args[2].kind == Value::Kind::Number;
}

// Empty when the program has no candidate at all (nothing to fuse).
std::vector<uint8_t> deferrable_transposes(const IRProgram& p, const std::vector<int>& keep) {
  const size_t n = static_cast<size_t>(p.num_inputs) + p.nodes.size();
  std::vector<uint8_t> cand;
  for (size_t j = 0; j < p.nodes.size(); ++j)
    if (is_transpose_node(p.nodes[j]) && p.nodes[j].args[0].kind == Value::Kind::Tensor) {
      cand.resize(n, 0);
      cand[static_cast<size_t>(p.num_inputs) + j] = 1;
    }
  if (cand.empty()) return cand;
  auto drop = [&](int s) { if (s >= 0 && static_cast<size_t>(s) < n) cand[static_cast<size_t>(s)] = 0; };
  for (int s : keep) drop(s);
  for (int s : p.wrt) drop(s);
  drop(p.of);
  drop(p.grad_output);
  for (const auto& node : p.nodes) {
    const bool product = product_op(node) != ProductOp::None;
    for (size_t a = 0; a < node.args.size(); ++a) {
      if (!(product && a < 2)) drop(node.args[a].slot);
      for (int s : node.args[a].slots) drop(s);
    }
  }
  return cand;
}

// For a deferrable transpose node: whether its input can be read transposed
// by the products (the node is then skipped), else it runs as written.
bool transposes_last_two(const IRNode& node, const Tensor& x) {
  const int64_t d = x.dim();
  if (node.op == fusion_ops().t) return d == 2;
  if (d < 2) return false;
  const double d0 = node.args[1].number, d1 = node.args[2].number;
  // In range (NaN is not) and whole before any conversion to an integer.
  auto valid = [d](double v) { return v >= -static_cast<double>(d) && v < static_cast<double>(d) && v == std::trunc(v); };
  if (!valid(d0) || !valid(d1)) return false;
  auto norm = [d](double v) { return v < 0 ? static_cast<int64_t>(v) + d : static_cast<int64_t>(v); };
  const int64_t a = norm(d0), b = norm(d1);
  return (a == d - 2 && b == d - 1) || (a == d - 1 && b == d - 2);
}

// Binds the tensors node's arguments read: bound[k] for Tensor argument k,
// lists[k] for Tensor[] argument k (its constant tensors, then its slots').
// Returns whether the node has a Tensor[] argument.
bool bind_args(const IRNode& node, const std::vector<Slot>& slots, SmallVec<const Tensor*, 8>& bound,
               std::vector<std::vector<Tensor>>& lists) {
  bound.assign(node.args.size(), nullptr);
  bool has_lists = false;
  for (size_t k = 0; k < node.args.size(); ++k) {
    const Value& a = node.args[k];
    if (a.kind == Value::Kind::Tensor) {
      bound[k] = &slot_tensor(slots, a.slot);
    } else if (a.kind == Value::Kind::TensorList) {
      if (!has_lists) lists.assign(node.args.size(), {});
      has_lists = true;
      std::vector<Tensor>& l = lists[k];
      l = a.tensors;
      for (int s : a.slots) {
        // A list-valued slot (the result of split or chunk) contributes all its tensors.
        const Slot& sl = slots.at(static_cast<size_t>(s));
        if (sl.is_list) l.insert(l.end(), sl.list.begin(), sl.list.end());
        else l.push_back(slot_tensor(slots, s));
      }
    }
  }
  return has_lists;
}

}  // namespace

ExecPlan plan(const IRProgram& p, const std::vector<int>* fuse_keep) {
  ExecPlan pl;
  pl.rec = slots_to_record(p);
  pl.wrt = slots_differentiated(p);
  if (fuse_keep) pl.deferrable = deferrable_transposes(p, *fuse_keep);
  return pl;
}

RunResult execute(const IRProgram& p, std::vector<Tensor> inputs, const RunOptions& o) {
  ContextScope scope;
  ExecContext& c = scope.c;
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
  // Meta runs (the cost model, dry runs) never fuse, so a given plan's
  // deferrable transposes are not used by them.
  const bool fusing = o.fuse_keep != nullptr && !o.meta;
  ExecPlan own;
  if (!o.plan) own = plan(p, fusing ? o.fuse_keep : nullptr);
  const ExecPlan& pl = o.plan ? *o.plan : own;
  const std::vector<uint8_t>& rec = pl.rec;
  const std::vector<uint8_t>& wrt = pl.wrt;
  const bool fuse = fusing && !pl.deferrable.empty();
  const std::vector<uint8_t>& deferrable = pl.deferrable;
  // deferred[s]: slot s is the transpose of slot deferred[s]-1, not computed (0: computed).
  SmallVec<int, 32> deferred(fuse ? static_cast<size_t>(p.num_inputs) + p.nodes.size() : 0, 0);

  RunResult r;
  r.slots.resize(static_cast<size_t>(p.num_inputs) + p.nodes.size());
  for (size_t i = 0; i < inputs.size() && i < r.slots.size(); ++i) {
    if (wrt[i]) make_differentiable(inputs[i]);
    r.slots[i].t = inputs[i];
  }

  // Runs transpose node j as written (its slot was deferred and a use needs it after all).
  auto materialize = [&](int s) {
    const size_t j = static_cast<size_t>(s - p.num_inputs);
    try {
      std::vector<Value> args = p.nodes[j].args;
      args[0].tensor = slot_tensor(r.slots, args[0].slot);
      GradModeGuard mode(c, rec[static_cast<size_t>(s)]);
      r.slots[static_cast<size_t>(s)].t = only_tensor(p.nodes[j].op->fn(Args(args)));
      deferred[static_cast<size_t>(s)] = 0;
    } catch (Error& e) {
      if (e.node < 0) e.node = static_cast<int>(j);
      throw;
    }
  };

  // A node's arguments are read in place (node.args); the tensors of their
  // slots are bound beside them: bound[k] for a Tensor argument, lists[k]
  // for a Tensor[] one.
  SmallVec<const Tensor*, 8> bound;
  std::vector<std::vector<Tensor>> lists;
  for (size_t i = 0; i < p.nodes.size(); ++i) {
    const IRNode& node = p.nodes[i];
    const size_t slot = static_cast<size_t>(p.num_inputs) + i;
    try {
      c.check_cancel_between_ops();
      c.add_op();
      if (fuse && deferrable[slot] && transposes_last_two(node, slot_tensor(r.slots, node.args[0].slot))) {
        deferred[slot] = node.args[0].slot + 1;
        continue;
      }
      if (fuse) {
        const ProductOp prod = product_op(node);
        if (prod != ProductOp::None && node.args.size() >= 2 && node.args[0].kind == Value::Kind::Tensor && node.args[1].kind == Value::Kind::Tensor) {
          const int sa = node.args[0].slot, sb = node.args[1].slot;
          const int fa = deferred.at(static_cast<size_t>(sa)), fb = deferred.at(static_cast<size_t>(sb));
          if (fa || fb) {
            const Tensor& a = slot_tensor(r.slots, fa ? fa - 1 : sa);
            const Tensor& b = slot_tensor(r.slots, fb ? fb - 1 : sb);
            // Both at least 2-D (mm: exactly): one product with transpose flags.
            // Otherwise the transposes are made as written and the op runs as usual.
            const bool fits = prod == ProductOp::Mm ? a.dim() == 2 && b.dim() == 2 : a.dim() >= 2 && b.dim() >= 2;
            if (fits) {
              GradModeGuard mode(c, rec[slot]);
              r.slots[slot].t = op::matmul_transposed(a, fa != 0, b, fb != 0);
              if (wrt[slot]) make_differentiable(r.slots[slot].t);
              continue;
            }
            if (fa) materialize(sa);
            if (fb && sb != sa) materialize(sb);
          }
        }
      }
      const bool has_lists = bind_args(node, r.slots, bound, lists);
      GradModeGuard mode(c, rec[slot]);
      Outs outs = node.op->fn(Args(node.args, bound.data(), has_lists ? lists.data() : nullptr));
      Slot& out = r.slots[slot];
      if (node.op->returns_list) {
        out.is_list = true;
        out.list = std::move(outs).to_vector();
      } else {
        out.t = only_tensor(std::move(outs));
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
    xs.reserve(p.wrt.size());
    for (int s : p.wrt) xs.push_back(slot_tensor(r.slots, s));
    r.grads = grad(y, xs, gy, false);
  }
  r.bytes = c.bytes;
  r.flops = c.flops;
  r.ops = c.ops;
  return r;
}

}  // namespace gs
