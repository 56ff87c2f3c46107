// The op catalogue. Every op is registered once, next to its kernels, with a
// PyTorch-style schema string ("sum(Tensor input, int[]? dim=None, bool
// keepdim=False) -> Tensor"), one doc line and its entry point. The service
// reads this list (GET /v1/ops, argument checking, OpenAPI) through the addon,
// so the schema is the single source of truth for names, types and defaults.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "tensor.h"
#include "tensor_list.h"

namespace gs {

// One argument value, already normalised by the service: every declared
// argument is present, in schema order, with its declared type.
struct Value {
  enum class Kind { None, Tensor, TensorList, Number, Bool, Str, IntList, FloatList };
  Kind kind = Kind::None;
  Tensor tensor;
  std::vector<Tensor> tensors;
  double number = 0;
  bool boolean = false;
  std::string str;
  std::vector<double> numbers;
  int slot = -1;                // IR: slot a Tensor argument reads
  std::vector<int> slots;       // IR: slots a Tensor[] argument reads
};

class Args {
 public:
  explicit Args(const std::vector<Value>& v) : v_(v) {}
  // The IR's arguments with their slots' tensors bound beside them: tensors[i]
  // for Tensor argument i, lists[i] (when given) for Tensor[] argument i. The
  // executor binds a node's inputs this way instead of copying its Values.
  Args(const std::vector<Value>& v, const Tensor* const* tensors, const std::vector<Tensor>* lists)
      : v_(v), bound_(tensors), bound_lists_(lists) {}
  size_t size() const { return v_.size(); }
  bool is_none(size_t i) const;
  const Tensor& tensor(size_t i) const;
  Tensor opt_tensor(size_t i) const;  // undefined when None
  const std::vector<Tensor>& tensors(size_t i) const;
  int64_t i64(size_t i) const;
  std::optional<int64_t> opt_i64(size_t i) const;
  double f64(size_t i) const;
  std::optional<double> opt_f64(size_t i) const;
  bool boolean(size_t i) const;
  const std::string& str(size_t i) const;
  std::optional<std::string> opt_str(size_t i) const;
  Shape ints(size_t i) const;  // a lone int is a one-element list
  std::optional<Shape> opt_ints(size_t i) const;
  std::vector<double> floats(size_t i) const;

 private:
  const Value& at(size_t i) const;
  const std::vector<Value>& v_;
  const Tensor* const* bound_ = nullptr;
  const std::vector<Tensor>* bound_lists_ = nullptr;
};

// An op returns one tensor, or a list for schemas that return Tensor[]
// (inline up to two: most ops return one, and a vector cost a malloc per op).
using Outs = TensorList<2>;
using OpFn = Outs (*)(const Args&);

enum class OpKind {
  Normal,
  // grad/vjp/jvp/hvp/jacobian/hessian: argument 0 is differentiated with
  // respect to argument 1. The executor records what these need.
  Autograd,
};

struct OpDef {
  OpDef(std::string schema_, std::string doc_, OpFn fn_, bool differentiable_ = true, OpKind kind_ = OpKind::Normal)
      : schema(std::move(schema_)), doc(std::move(doc_)), fn(fn_), differentiable(differentiable_), kind(kind_) {}
  std::string schema;
  std::string doc;
  OpFn fn;
  bool differentiable;
  OpKind kind;
  std::string name;  // filled from the schema
  bool returns_list = false;  // the schema returns Tensor[] (filled from it)
};

const std::vector<OpDef>& all_ops();
const OpDef* find_op(const std::string& name);

// Used at static-initialisation time by each ops/*.cc file.
struct OpRegistrar {
  OpRegistrar(std::initializer_list<OpDef> defs);
};

}  // namespace gs
