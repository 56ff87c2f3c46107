// Optimizers and learning-rate schedulers with torch.optim's semantics.
// Each optimizer family lives in its own file and registers itself here with
// its hyper-parameters (names, types, defaults): GET /v1/optimizers, option
// checking and the defaults all read this one list. The update kernels follow
// PyTorch 1.13's single-tensor (for-loop) implementations operation by
// operation, so float32 results round like PyTorch's; they run in place on
// the parameter and its state buffers, without autograd.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../tensor.h"

namespace gs::optim {

// An option value as it arrives from JSON.
struct Opt;
using Options = std::map<std::string, Opt>;
struct Opt {
  enum class Kind { Null, Number, Bool, Str, Numbers, Objects };
  Kind kind = Kind::Null;
  double num = 0;
  bool b = false;
  std::string str;
  std::vector<double> nums;
  std::vector<Options> objs;  // sub-schedulers of sequential_lr / chained_scheduler

  static Opt number(double v) { Opt o; o.kind = Kind::Number; o.num = v; return o; }
  static Opt boolean(bool v) { Opt o; o.kind = Kind::Bool; o.b = v; return o; }
  static Opt string(std::string v) { Opt o; o.kind = Kind::Str; o.str = std::move(v); return o; }
  static Opt numbers(std::vector<double> v) { Opt o; o.kind = Kind::Numbers; o.nums = std::move(v); return o; }
};

// One hyper-parameter. `type` is one of: float, int, bool, str, float[2],
// float[], int[], scheduler[]; a trailing '?' accepts null. A required one
// has no default (PyTorch's `required`, e.g. SGD's lr).
struct HyperDef {
  std::string name;
  std::string type;
  Opt def;
  bool required = false;
  std::string doc;
};

// Merges `given` over the defaults; unknown names, wrong types and missing
// required values are ValueErrors naming `what` (e.g. "optimizer sgd").
Options resolve_options(const std::vector<HyperDef>& defs, const Options& given, const std::string& what,
                        const std::vector<std::string>& also_allowed = {});

double num(const Options& h, const std::string& k);
bool flag(const Options& h, const std::string& k);
double pair_at(const Options& h, const std::string& k, size_t i);
const std::string& str(const Options& h, const std::string& k);
bool is_null(const Options& h, const std::string& k);

// One value of a parameter's state, as optimizer.state_dict() holds it.
struct StateValue {
  enum class Kind { Null, Number, Tensor, Tensors, Numbers };
  Kind kind = Kind::Null;
  double num = 0;
  Tensor t;
  std::vector<Tensor> ts;
  std::vector<double> nums;
  static StateValue null() { return {}; }
  static StateValue number(double v) { StateValue s; s.kind = Kind::Number; s.num = v; return s; }
  static StateValue tensor(Tensor v) { StateValue s; s.kind = Kind::Tensor; s.t = std::move(v); return s; }
};

// A parameter's state: named values in PyTorch's insertion order.
struct ParamState {
  std::vector<std::pair<std::string, StateValue>> items;
  StateValue* find(const std::string& k);
  StateValue& at(const std::string& k);  // throws when absent (internal)
  void set(const std::string& k, StateValue v);
  bool empty() const { return items.empty(); }
};

// A parameter group: which parameters (indices) and its hyper-parameters.
struct Group {
  std::vector<size_t> params;
  Options h;
};

struct OptimizerDef {
  std::string name;  // torch.optim name in snake case: sgd, adam, ...
  std::string cls;   // torch.optim class: SGD, Adam, ...
  std::string doc;
  std::vector<HyperDef> hypers;
  // PyTorch's constructor checks (its ValueError messages).
  void (*validate)(const Options& h) = nullptr;
  // The state PyTorch creates before the first update (keys in its order).
  // Null values are buffers created lazily (SGD's momentum_buffer).
  ParamState (*init)(const Tensor& p, const Options& h) = nullptr;
  // One update of one parameter, in place. g has p's dtype and shape.
  void (*step)(Tensor& p, const Tensor& g, ParamState& s, const Options& h) = nullptr;
  bool needs_closure = false;  // lbfgs: only through /v1/optimize
};

const std::vector<OptimizerDef>& optimizers();
const OptimizerDef* find_optimizer(const std::string& name);
struct OptimizerRegistrar {
  OptimizerRegistrar(std::initializer_list<OptimizerDef> defs);
};

// Checks a state sent back by a client against the state this optimizer
// keeps for p (same names, kinds and shapes); casts tensors to p's dtype.
void check_state(const OptimizerDef& def, const std::string& pname, const Tensor& p, const Options& h, ParamState& s);

// One step of a whole optimizer over its groups; params[i] and grads[i]
// pair up, states[i] is params[i]'s state (filled on first use). A parameter
// with has_grad[i] false is skipped, as PyTorch skips one whose .grad is None.
void optimizer_step(const OptimizerDef& def, std::vector<Group>& groups, std::vector<Tensor>& params,
                    const std::vector<Tensor>& grads, std::vector<ParamState>& states,
                    const std::vector<bool>* has_grad = nullptr);

// Elementwise helpers shared by the kernels.
Tensor zeros_like(const Tensor& p);
Tensor full_like(const Tensor& p, double v);
Tensor clone(const Tensor& p);
Tensor cast_to(const Tensor& t, DType dt);  // a copy with dtype dt (same storage when equal)

}  // namespace gs::optim
