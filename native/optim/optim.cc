// The optimizer registry, option resolution and the state checks shared by
// every optimizer.
#include "optim.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "../errors.h"
#include "../kernels.h"

namespace gs::optim {

namespace {

std::vector<OptimizerDef>& registry() {
  static std::vector<OptimizerDef> r;
  return r;
}

std::string type_base(const std::string& t) { return !t.empty() && t.back() == '?' ? t.substr(0, t.size() - 1) : t; }

std::string kind_word(const Opt& o) {
  switch (o.kind) {
    case Opt::Kind::Null: return "null";
    case Opt::Kind::Number: return "a number";
    case Opt::Kind::Bool: return "a boolean";
    case Opt::Kind::Str: return "a string";
    case Opt::Kind::Numbers: return "a list of numbers";
    case Opt::Kind::Objects: return "a list of objects";
  }
  return "?";
}

std::string fmt(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // shortest round-trip form
  for (int prec = 1; prec <= 17; ++prec) {
    char b2[40];
    std::snprintf(b2, sizeof b2, "%.*g", prec, v);
    if (std::strtod(b2, nullptr) == v) return b2;
  }
  return buf;
}

}  // namespace

Options resolve_options(const std::vector<HyperDef>& defs, const Options& given, const std::string& what,
                        const std::vector<std::string>& also_allowed) {
  Options out;
  for (const auto& [k, v] : given) {
    const std::string& key = k;  // a lambda may not capture a structured binding before C++20 (clang)
    auto it = std::find_if(defs.begin(), defs.end(), [&](const HyperDef& d) { return d.name == key; });
    if (it == defs.end()) {
      if (std::find(also_allowed.begin(), also_allowed.end(), k) != also_allowed.end()) {
        out[k] = v;
        continue;
      }
      std::string known;
      for (const auto& d : defs) known += (known.empty() ? "" : ", ") + d.name;
      throw ValueError(what + " has no hyper-parameter '" + k + "' (it has: " + known + ")");
    }
    const std::string t = type_base(it->type);
    const bool nullable = it->type.back() == '?';
    const std::string bad = what + ": '" + k + "' must be ";
    if (v.kind == Opt::Kind::Null) {
      if (!nullable) throw ValueError(bad + (t == "bool" ? "a boolean" : t == "str" ? "a string" : "a " + t) + ", not null");
    } else if (t == "float" || t == "int") {
      if (v.kind != Opt::Kind::Number) throw ValueError(bad + "a number, not " + kind_word(v));
      if (t == "int" && v.num != std::floor(v.num)) throw ValueError(bad + "an integer, got " + fmt(v.num));
    } else if (t == "bool") {
      if (v.kind != Opt::Kind::Bool) throw ValueError(bad + "a boolean, not " + kind_word(v));
    } else if (t == "str") {
      if (v.kind != Opt::Kind::Str) throw ValueError(bad + "a string, not " + kind_word(v));
    } else if (t == "float[2]") {
      if (v.kind != Opt::Kind::Numbers || v.nums.size() != 2) throw ValueError(bad + "a pair of numbers [a, b]");
    } else if (t == "float[]" || t == "int[]") {
      if (v.kind != Opt::Kind::Numbers) throw ValueError(bad + "a list of numbers, not " + kind_word(v));
      if (t == "int[]")
        for (double x : v.nums)
          if (x != std::floor(x)) throw ValueError(bad + "a list of integers, got " + fmt(x));
    } else if (t == "float|float[]") {
      if (v.kind != Opt::Kind::Number && v.kind != Opt::Kind::Numbers) throw ValueError(bad + "a number or a list of numbers (one per group)");
    } else if (t == "scheduler[]") {
      if (v.kind != Opt::Kind::Objects) throw ValueError(bad + "a list of schedulers ({\"name\": ..., options})");
    }
    out[k] = v;
  }
  for (const auto& d : defs) {
    if (out.count(d.name)) continue;
    if (d.required) throw ValueError(what + " needs '" + d.name + "' (" + d.doc + ")");
    out[d.name] = d.def;
  }
  return out;
}

double num(const Options& h, const std::string& k) {
  auto it = h.find(k);
  if (it == h.end() || it->second.kind != Opt::Kind::Number) throw ValueError("internal: option '" + k + "' is not a number");
  return it->second.num;
}
bool flag(const Options& h, const std::string& k) {
  auto it = h.find(k);
  if (it == h.end() || it->second.kind != Opt::Kind::Bool) throw ValueError("internal: option '" + k + "' is not a boolean");
  return it->second.b;
}
double pair_at(const Options& h, const std::string& k, size_t i) {
  auto it = h.find(k);
  if (it == h.end() || it->second.kind != Opt::Kind::Numbers || it->second.nums.size() <= i)
    throw ValueError("internal: option '" + k + "' is not a list");
  return it->second.nums[i];
}
const std::string& str(const Options& h, const std::string& k) {
  auto it = h.find(k);
  if (it == h.end() || it->second.kind != Opt::Kind::Str) throw ValueError("internal: option '" + k + "' is not a string");
  return it->second.str;
}
bool is_null(const Options& h, const std::string& k) {
  auto it = h.find(k);
  return it == h.end() || it->second.kind == Opt::Kind::Null;
}

StateValue* ParamState::find(const std::string& k) {
  for (auto& [name, v] : items)
    if (name == k) return &v;
  return nullptr;
}
StateValue& ParamState::at(const std::string& k) {
  StateValue* v = find(k);
  if (!v) throw ValueError("internal: no state '" + k + "'");
  return *v;
}
void ParamState::set(const std::string& k, StateValue v) {
  if (StateValue* old = find(k)) *old = std::move(v);
  else items.emplace_back(k, std::move(v));
}

const std::vector<OptimizerDef>& optimizers() { return registry(); }

const OptimizerDef* find_optimizer(const std::string& name) {
  for (const auto& d : registry())
    if (d.name == name) return &d;
  return nullptr;
}

OptimizerRegistrar::OptimizerRegistrar(std::initializer_list<OptimizerDef> defs) {
  for (const auto& d : defs) registry().push_back(d);
}

Tensor zeros_like(const Tensor& p) { return Tensor::zeros(p.shape(), p.dtype()); }
Tensor full_like(const Tensor& p, double v) { return Tensor::full(p.shape(), p.dtype(), v); }

Tensor clone(const Tensor& p) {
  Tensor out = Tensor::empty(p.shape(), p.dtype());
  if (!out.is_meta() && p.nbytes() > 0) std::memcpy(out.raw(), p.raw(), p.nbytes());
  return out;
}

Tensor cast_to(const Tensor& t, DType dt) {
  if (t.dtype() == dt) return t;
  Tensor out = Tensor::empty(t.shape(), dt);
  if (out.is_meta()) return out;
  GS_DISPATCH_ALL(t.dtype(), S, {
    const S* src = t.data<S>();
    GS_DISPATCH_ALL(dt, D, {
      D* dst = out.data<D>();
      for (int64_t i = 0; i < t.numel(); ++i) dst[i] = convert<D>(src[i]);
    });
  });
  return out;
}

void check_state(const OptimizerDef& def, const std::string& pname, const Tensor& p, const Options& h, ParamState& s) {
  ParamState tmpl = def.init(p, h);
  const std::string where = "state for '" + pname + "'";
  std::string keys;
  for (const auto& [k, v] : tmpl.items) keys += (keys.empty() ? "" : ", ") + k;
  for (const auto& [k, v] : s.items)
    if (!tmpl.find(k))
      throw ValueError(where + " has '" + k + "', which " + def.cls + " does not keep (it keeps: " + keys +
                       "); is this the state of another optimizer, or of other options?");
  ParamState out;
  for (auto& [k, t] : tmpl.items) {
    StateValue* v = s.find(k);
    if (!v) throw ValueError(where + " lacks '" + k + "' (" + def.cls + " keeps: " + keys + ")");
    const bool lazy_tensor = t.kind == StateValue::Kind::Null;
    if (t.kind == StateValue::Kind::Tensor || (lazy_tensor && v->kind == StateValue::Kind::Tensor)) {
      if (v->kind != StateValue::Kind::Tensor) throw ValueError(where + ": '" + k + "' must be a tensor");
      if (v->t.shape() != p.shape())
        throw ShapeError(where + ": '" + k + "' has shape " + shape_str(v->t.shape()) + " but the parameter has shape " +
                         shape_str(p.shape()));
      if (!is_floating(v->t.dtype())) throw DTypeError(where + ": '" + k + "' must be a floating point tensor");
      out.set(k, StateValue::tensor(cast_to(v->t, p.dtype())));
    } else if (t.kind == StateValue::Kind::Number) {
      if (v->kind != StateValue::Kind::Number) throw ValueError(where + ": '" + k + "' must be a number");
      if (k == "step" && !(v->num >= 0 && v->num == std::floor(v->num)))
        throw ValueError(where + ": 'step' must be a non-negative integer");
      out.set(k, *v);
    } else if (lazy_tensor) {
      if (v->kind != StateValue::Kind::Null) throw ValueError(where + ": '" + k + "' must be a tensor or null");
      out.set(k, *v);
    } else {
      out.set(k, *v);
    }
  }
  s = std::move(out);
}

void optimizer_step(const OptimizerDef& def, std::vector<Group>& groups, std::vector<Tensor>& params,
                    const std::vector<Tensor>& grads, std::vector<ParamState>& states,
                    const std::vector<bool>* has_grad) {
  for (auto& g : groups) {
    for (size_t i : g.params) {
      if (has_grad && !(*has_grad)[i]) continue;
      if (states[i].empty()) states[i] = def.init(params[i], g.h);
      Tensor gi = cast_to(grads[i], params[i].dtype());
      def.step(params[i], gi, states[i], g.h);
    }
  }
}

}  // namespace gs::optim
