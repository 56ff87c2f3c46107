#include "optimize.h"

#include <cmath>
#include <cstring>

#include "../autograd.h"
#include "kernel_util.h"

namespace gs::optim {

void resolve_groups(const OptimizerDef& def, std::vector<Group>& groups) {
  for (size_t i = 0; i < groups.size(); ++i) {
    const std::string what = "optimizer " + def.name + (groups.size() > 1 ? " (param group " + std::to_string(i) + ")" : "");
    // initial_lr and the cycling schedulers' fields come back in a returned
    // state's param_groups; accept them so a group can be sent back as is.
    groups[i].h = resolve_options(def.hypers, groups[i].h, what,
                                  {"initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"});
    def.validate(groups[i].h);
  }
  if (def.needs_closure && groups.size() != 1)
    throw ValueError("LBFGS doesn't support per-parameter options (parameter groups)");
}

namespace {

Tensor to_tensor(const std::vector<double>& v, DType dt) {
  Tensor t = Tensor::empty({static_cast<int64_t>(v.size())}, dt);
  GS_DISPATCH_FLOAT(dt, T, {
    T* p = t.data<T>();
    for (size_t i = 0; i < v.size(); ++i) p[i] = static_cast<T>(v[i]);
  });
  return t;
}

std::vector<double> to_vec(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  GS_DISPATCH_FLOAT(t.dtype(), T, {
    const T* p = t.data<T>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(p[i]);
  });
  return v;
}

void append_flat(std::vector<double>& out, const Tensor& g) {
  GS_DISPATCH_FLOAT(g.dtype(), T, {
    const T* p = g.data<T>();
    for (int64_t i = 0; i < g.numel(); ++i) out.push_back(static_cast<double>(p[i]));
  });
}

}  // namespace

ParamState lbfgs_to_state(const LbfgsState& s, DType dt) {
  ParamState p;
  p.set("func_evals", StateValue::number(s.func_evals));
  p.set("n_iter", StateValue::number(s.n_iter));
  if (!s.has_history) return p;
  p.set("d", StateValue::tensor(to_tensor(s.d, dt)));
  p.set("t", StateValue::number(s.t));
  StateValue dirs, stps, ro;
  dirs.kind = stps.kind = StateValue::Kind::Tensors;
  for (const auto& v : s.old_dirs) dirs.ts.push_back(to_tensor(v, dt));
  for (const auto& v : s.old_stps) stps.ts.push_back(to_tensor(v, dt));
  ro.kind = StateValue::Kind::Numbers;
  ro.nums = s.ro;
  p.set("old_dirs", dirs);
  p.set("old_stps", stps);
  p.set("ro", ro);
  p.set("H_diag", StateValue::number(s.H_diag));
  p.set("prev_flat_grad", StateValue::tensor(to_tensor(s.prev_flat_grad, dt)));
  p.set("prev_loss", StateValue::number(s.prev_loss));
  return p;
}

LbfgsState lbfgs_from_state(const ParamState& in, int64_t numel) {
  ParamState s = in;
  LbfgsState st;
  const std::string where = "LBFGS state: ";
  auto number = [&](const char* k) {
    StateValue* v = s.find(k);
    if (!v || v->kind != StateValue::Kind::Number) throw ValueError(where + "'" + k + "' must be a number");
    return v->num;
  };
  auto vec = [&](const Tensor& t, const char* k) {
    if (t.numel() != numel) throw ShapeError(where + "'" + k + "' must have " + std::to_string(numel) + " elements (all parameters, flattened)");
    return to_vec(t);
  };
  for (const auto& [k, v] : s.items) {
    static const char* known[] = {"func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss", "al"};
    const std::string& key = k;  // a lambda may not capture a structured binding before C++20 (clang)
    if (std::find_if(std::begin(known), std::end(known), [&](const char* n) { return key == n; }) == std::end(known))
      throw ValueError(where + "has '" + k + "', which LBFGS does not keep; is this the state of another optimizer?");
  }
  st.func_evals = number("func_evals");
  st.n_iter = number("n_iter");
  if (!s.find("d")) return st;
  st.has_history = true;
  auto tensor = [&](const char* k) -> const Tensor& {
    StateValue* v = s.find(k);
    if (!v || v->kind != StateValue::Kind::Tensor) throw ValueError(where + "'" + k + "' must be a tensor");
    return v->t;
  };
  st.d = vec(tensor("d"), "d");
  st.prev_flat_grad = vec(tensor("prev_flat_grad"), "prev_flat_grad");
  st.t = number("t");
  st.H_diag = number("H_diag");
  st.prev_loss = number("prev_loss");
  for (const char* k : {"old_dirs", "old_stps"}) {
    StateValue* v = s.find(k);
    if (!v || (v->kind != StateValue::Kind::Tensors && !(v->kind == StateValue::Kind::Numbers && v->nums.empty())))
      throw ValueError(where + "'" + k + "' must be a list of tensors");
    auto& dst = std::string(k) == "old_dirs" ? st.old_dirs : st.old_stps;
    for (const auto& t : v->ts) dst.push_back(vec(t, k));
  }
  StateValue* ro = s.find("ro");
  if (!ro || ro->kind != StateValue::Kind::Numbers) throw ValueError(where + "'ro' must be a list of numbers");
  st.ro = ro->nums;
  if (st.ro.size() != st.old_dirs.size() || st.old_stps.size() != st.old_dirs.size())
    throw ValueError(where + "'old_dirs', 'old_stps' and 'ro' must have the same length");
  return st;
}

OptimizeResult optimize(OptimizeJob& job, OptimizeResult& out) {
  const OptimizerDef& def = *job.optimizer;
  const size_t np = job.param_slots.size();
  if (np == 0) throw ValueError("nothing to optimise: mark the parameters among the inputs with \"requires_grad\": true");
  resolve_groups(def, job.groups);

  IRProgram& prog = job.prog;
  prog.backward = false;

  // 1. Check and cost one evaluation on shapes alone, then the whole loop.
  RunOptions meta = job.run;
  meta.meta = true;
  meta.cancel_flag = nullptr;
  meta.has_deadline_at = false;
  meta.deadline_ms = 0;
  std::vector<Tensor> meta_inputs;
  for (const auto& t : job.inputs) {
    Tensor m = Tensor::meta(t.shape(), t.dtype());
    if (t.requires_grad()) m.set_requires_grad(true);
    meta_inputs.push_back(m);
  }
  {
    // The loss must be a scalar: checked on the forward alone, with a message
    // that names it (the backward would only say "implicitly created").
    RunResult fwd = execute(prog, meta_inputs, meta);
    const Slot& ls = fwd.slots.at(static_cast<size_t>(job.loss_slot));
    if (ls.is_list || !ls.t.defined() || ls.t.numel() != 1)
      throw ShapeError("the loss '" + job.loss_name + "' must be a scalar, but it has shape " +
                       (ls.is_list || !ls.t.defined() ? std::string("(a list of tensors)") : shape_str(ls.t.shape())));
  }
  prog.backward = true;
  prog.of = job.loss_slot;
  prog.wrt = job.param_slots;
  prog.grad_output = -1;
  RunResult mr = execute(prog, meta_inputs, meta);
  std::vector<Shape> rec_shapes;
  for (size_t k = 0; k < job.record_slots.size(); ++k) {
    const Slot& sl = mr.slots.at(static_cast<size_t>(job.record_slots[k]));
    if (sl.is_list || !sl.t.defined()) throw ValueError("cannot record '" + job.record_names[k] + "': it is a list of tensors");
    Shape s = sl.t.shape();
    s.insert(s.begin(), job.steps);
    rec_shapes.push_back(s);
  }
  const int64_t evals = def.needs_closure ? lbfgs_max_evals(job.groups[0].h) : 1;
  int64_t param_elems = 0, param_bytes = 0;
  for (int s : job.param_slots) {
    param_elems += job.inputs[static_cast<size_t>(s)].numel();
    param_bytes += static_cast<int64_t>(job.inputs[static_cast<size_t>(s)].nbytes());
  }
  const double total_evals = static_cast<double>(evals) * static_cast<double>(job.steps);
  const double flops = static_cast<double>(mr.flops) * total_evals + 20.0 * static_cast<double>(param_elems) * static_cast<double>(job.steps);
  const double ops = static_cast<double>(mr.ops) * total_evals;
  double rec_bytes = 0;
  for (size_t k = 0; k < rec_shapes.size(); ++k)
    rec_bytes += static_cast<double>(shape_numel(rec_shapes[k])) * static_cast<double>(dtype_size(mr.slots[static_cast<size_t>(job.record_slots[k])].t.dtype()));
  const double history_slots = def.needs_closure ? 2.0 * static_cast<double>(num(job.groups[0].h, "history_size")) + 4 : 5;
  const double bytes = static_cast<double>(mr.bytes) + history_slots * static_cast<double>(param_bytes) + rec_bytes;
  const Limits& lim = job.run.limits;
  const std::string per = " (" + std::to_string(mr.flops) + " per evaluation of the graph, " + std::to_string(static_cast<int64_t>(total_evals)) +
                          " evaluations for " + std::to_string(job.steps) + " steps)";
  if (flops > static_cast<double>(lim.max_flops))
    throw LimitError("the optimisation would need about " + std::to_string(static_cast<int64_t>(flops)) +
                     " floating-point operations, more than MAX_JOB_FLOPS (" + std::to_string(lim.max_flops) + ")" + per);
  if (ops > static_cast<double>(lim.max_ops))
    throw LimitError("the optimisation would execute " + std::to_string(static_cast<int64_t>(ops)) + " ops, more than MAX_JOB_OPS (" +
                     std::to_string(lim.max_ops) + "): " + std::to_string(mr.ops) + " per evaluation, " +
                     std::to_string(static_cast<int64_t>(total_evals)) + " evaluations");
  if (bytes > static_cast<double>(lim.max_bytes))
    throw LimitError("the optimisation would allocate about " + std::to_string(static_cast<int64_t>(bytes)) +
                     " bytes, more than MAX_JOB_BYTES (" + std::to_string(lim.max_bytes) + ")");
  out.bytes = static_cast<int64_t>(bytes);
  out.flops = static_cast<int64_t>(flops);
  out.ops = static_cast<int64_t>(ops);

  // 2. The optimizer and its state, then the scheduler (its constructor sets
  //    the lr of epoch 0), checked over the whole run first.
  ContextScope scope;
  ExecContext& c = ctx();
  c.limits = job.run.limits;
  c.limits.max_bytes = INT64_MAX;  // held above against the whole loop
  c.cancel_flag = job.run.cancel_flag;
  if (job.run.has_deadline_at) {
    c.has_deadline = true;
    c.deadline = job.run.deadline_at;
  }
  std::vector<Tensor>& params = out.params;
  for (int s : job.param_slots) params.push_back(clone(job.inputs[static_cast<size_t>(s)]));
  std::vector<ParamState>& states = job.states;
  states.resize(np);
  LbfgsState lb;
  if (def.needs_closure) {
    if (!states[0].empty()) lb = lbfgs_from_state(states[0], param_elems);
    for (size_t i = 1; i < np; ++i)
      if (!states[i].empty()) throw ValueError("LBFGS keeps its state on the first parameter ('" + job.param_names[0] + "') only");
  } else {
    for (auto& g : job.groups)
      for (size_t i : g.params)
        if (!states[i].empty()) check_state(def, job.param_names[i], params[i], g.h, states[i]);
  }
  std::unique_ptr<Scheduler> sched;
  if (job.has_scheduler) {
    std::vector<Group> trial = job.groups;
    auto s = make_scheduler(job.scheduler, trial, def);
    if (!s->needs_metric())
      for (int64_t i = 0; i < job.steps; ++i) s->step(0);
    sched = make_scheduler(job.scheduler, job.groups, def);
  }

  // 3. The loop.
  for (size_t k = 0; k < rec_shapes.size(); ++k)
    out.records.push_back(Tensor::empty(rec_shapes[k], mr.slots[static_cast<size_t>(job.record_slots[k])].t.dtype()));
  out.loss.reserve(static_cast<size_t>(job.steps));
  out.lr.reserve(static_cast<size_t>(job.steps));
  RunOptions real = job.run;
  real.meta = false;
  real.deadline_ms = 0;
  std::vector<Tensor> ins = job.inputs;
  int64_t step = 0;
  bool record_now = false;
  // One evaluation of the graph at the current parameters: the loss and the
  // gradients (flat for LBFGS).
  auto evaluate = [&](std::vector<Tensor>* grads, std::vector<double>* flat) {
    for (size_t i = 0; i < np; ++i) {
      Tensor leaf = params[i].detach();
      leaf.set_requires_grad(true);
      ins[static_cast<size_t>(job.param_slots[i])] = leaf;
    }
    RunResult r = execute(prog, ins, real);
    const double loss = r.slots[static_cast<size_t>(job.loss_slot)].t.item();
    if (record_now) {
      for (size_t k = 0; k < job.record_slots.size(); ++k) {
        const Tensor& v = r.slots[static_cast<size_t>(job.record_slots[k])].t;
        auto* dst = static_cast<char*>(out.records[k].raw()) + static_cast<size_t>(step) * v.nbytes();
        if (v.nbytes() > 0) std::memcpy(dst, v.raw(), v.nbytes());
      }
      record_now = false;
    }
    if (grads) {
      grads->clear();
      for (size_t i = 0; i < np; ++i) grads->push_back(cast_to(r.grads[i], params[i].dtype()));
    }
    if (flat) {
      flat->clear();
      for (size_t i = 0; i < np; ++i) append_flat(*flat, r.grads[i]);
    }
    return loss;
  };
  // Parameters the loss does not depend on get no .grad in PyTorch, and
  // optimizers skip them (no update, no state): find them on the graph.
  std::vector<bool> has_grad(np, false);
  {
    std::vector<bool> needed(static_cast<size_t>(prog.num_inputs) + prog.nodes.size(), false);
    needed[static_cast<size_t>(job.loss_slot)] = true;
    for (size_t i = prog.nodes.size(); i-- > 0;) {
      if (!needed[static_cast<size_t>(prog.num_inputs) + i]) continue;
      for (const auto& a : prog.nodes[i].args) {
        if (a.slot >= 0) needed[static_cast<size_t>(a.slot)] = true;
        for (int sl : a.slots) needed[static_cast<size_t>(sl)] = true;
      }
    }
    for (size_t i = 0; i < np; ++i) has_grad[i] = needed[static_cast<size_t>(job.param_slots[i])];
  }
  std::vector<Tensor> grads;
  for (step = 0; step < job.steps; ++step) {
    c.check_cancel();
    record_now = true;
    out.lr.push_back(num(job.groups[0].h, "lr"));
    double loss;
    if (def.needs_closure) {
      loss = lbfgs_step(params, [&](std::vector<double>& g) { return evaluate(nullptr, &g); }, lb, job.groups[0].h);
    } else {
      loss = evaluate(&grads, nullptr);
      optimizer_step(def, job.groups, params, grads, states, &has_grad);
    }
    out.loss.push_back(loss);
    if (sched) sched->step(loss);
    if (job.on_progress) job.on_progress(step + 1);
  }
  if (def.needs_closure) {
    states.assign(np, ParamState());
    states[0] = lbfgs_to_state(lb, params[0].dtype());
  }
  out.states = states;
  out.groups = job.groups;
  return out;
}

}  // namespace gs::optim
