#include "registry.h"

#include <cmath>
#include <unordered_map>

#include "errors.h"

namespace gs {

namespace {
std::vector<OpDef>& ops_storage() {
  static std::vector<OpDef> ops;
  return ops;
}
std::unordered_map<std::string, size_t>& index_storage() {
  static std::unordered_map<std::string, size_t> idx;
  return idx;
}
}  // namespace

OpRegistrar::OpRegistrar(std::initializer_list<OpDef> defs) {
  for (OpDef d : defs) {
    d.name = d.schema.substr(0, d.schema.find('('));
    d.returns_list = d.schema.size() >= 8 && d.schema.compare(d.schema.size() - 8, 8, "Tensor[]") == 0;
    index_storage()[d.name] = ops_storage().size();
    ops_storage().push_back(std::move(d));
  }
}

const std::vector<OpDef>& all_ops() { return ops_storage(); }

const OpDef* find_op(const std::string& name) {
  auto it = index_storage().find(name);
  return it == index_storage().end() ? nullptr : &ops_storage()[it->second];
}

// The service validates types before a job reaches the engine, so a mismatch
// here is a bug in the service; it is still reported, never trusted.
const Value& Args::at(size_t i) const {
  if (i >= v_.size()) throw ValueError("internal: missing argument " + std::to_string(i));
  return v_[i];
}

bool Args::is_none(size_t i) const { return at(i).kind == Value::Kind::None; }

const Tensor& Args::tensor(size_t i) const {
  const Value& v = at(i);
  const Tensor* t = v.kind != Value::Kind::Tensor ? nullptr : bound_ ? bound_[i] : &v.tensor;
  if (!t || !t->defined()) throw ValueError("internal: argument " + std::to_string(i) + " is not a tensor");
  return *t;
}

Tensor Args::opt_tensor(size_t i) const { return is_none(i) ? Tensor() : tensor(i); }

const std::vector<Tensor>& Args::tensors(size_t i) const {
  const Value& v = at(i);
  if (v.kind != Value::Kind::TensorList) throw ValueError("internal: argument " + std::to_string(i) + " is not a tensor list");
  return bound_lists_ ? bound_lists_[i] : v.tensors;
}

int64_t Args::i64(size_t i) const {
  const Value& v = at(i);
  if (v.kind == Value::Kind::Bool) return v.boolean ? 1 : 0;
  if (v.kind != Value::Kind::Number || !std::isfinite(v.number) || std::floor(v.number) != v.number ||
      std::fabs(v.number) > 9.007199254740992e15)
    throw ValueError("argument " + std::to_string(i) + " must be an integer");
  return static_cast<int64_t>(v.number);
}

std::optional<int64_t> Args::opt_i64(size_t i) const {
  if (is_none(i)) return std::nullopt;
  return i64(i);
}

double Args::f64(size_t i) const {
  const Value& v = at(i);
  if (v.kind == Value::Kind::Bool) return v.boolean ? 1.0 : 0.0;
  if (v.kind != Value::Kind::Number) throw ValueError("argument " + std::to_string(i) + " must be a number");
  return v.number;
}

std::optional<double> Args::opt_f64(size_t i) const {
  if (is_none(i)) return std::nullopt;
  return f64(i);
}

bool Args::boolean(size_t i) const {
  const Value& v = at(i);
  if (v.kind == Value::Kind::Bool) return v.boolean;
  if (v.kind == Value::Kind::Number) return v.number != 0;
  throw ValueError("argument " + std::to_string(i) + " must be a boolean");
}

const std::string& Args::str(size_t i) const {
  const Value& v = at(i);
  if (v.kind != Value::Kind::Str) throw ValueError("argument " + std::to_string(i) + " must be a string");
  return v.str;
}

std::optional<std::string> Args::opt_str(size_t i) const {
  if (is_none(i)) return std::nullopt;
  return str(i);
}

Shape Args::ints(size_t i) const {
  const Value& v = at(i);
  if (v.kind == Value::Kind::Number) return {i64(i)};
  if (v.kind != Value::Kind::IntList && v.kind != Value::Kind::FloatList)
    throw ValueError("argument " + std::to_string(i) + " must be a list of integers");
  Shape r;
  r.reserve(v.numbers.size());
  for (double d : v.numbers) {
    if (!std::isfinite(d) || std::floor(d) != d || std::fabs(d) > 9.007199254740992e15)
      throw ValueError("argument " + std::to_string(i) + " must be a list of integers");
    r.push_back(static_cast<int64_t>(d));
  }
  return r;
}

std::optional<Shape> Args::opt_ints(size_t i) const {
  if (is_none(i)) return std::nullopt;
  return ints(i);
}

std::vector<double> Args::floats(size_t i) const {
  const Value& v = at(i);
  if (v.kind == Value::Kind::Number) return {v.number};
  if (v.kind != Value::Kind::IntList && v.kind != Value::Kind::FloatList)
    throw ValueError("argument " + std::to_string(i) + " must be a list of numbers");
  return v.numbers;
}

}  // namespace gs
