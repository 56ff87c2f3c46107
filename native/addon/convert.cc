// Conversions at the Node-API boundary (see convert.h).
#include "convert.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

namespace gs::addon {

[[noreturn]] void throw_js(Napi::Env env, const char* kind, const std::string& msg, int node) {
  Napi::Error err = Napi::Error::New(env, msg);
  err.Set("code", Napi::String::New(env, std::string("GS_") + kind));
  if (node >= 0) err.Set("node", Napi::Number::New(env, node));
  throw err;
}


TypedView typed_view(const Napi::Value& v) {
  TypedView out;
  size_t length = 0;
  napi_status st = napi_get_typedarray_info(v.Env(), v, &out.type, &length, &out.data, nullptr, nullptr);
  if (st != napi_ok) throw ValueError("internal: expected a typed array");
  static constexpr size_t kSizes[] = {1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8};
  size_t es = static_cast<size_t>(out.type) < sizeof(kSizes) / sizeof(kSizes[0]) ? kSizes[out.type] : 1;
  out.bytes = length * es;
  return out;
}

Shape read_shape(const Napi::Value& v) {
  if (!v.IsArray()) throw ValueError("internal: shape must be an array");
  auto arr = v.As<Napi::Array>();
  Shape s(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    double d = arr.Get(i).As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= 9.0e15) || static_cast<double>(static_cast<int64_t>(d)) != d)
      throw ValueError("invalid dimension in shape");
    s[i] = static_cast<int64_t>(d);
  }
  return s;
}

Tensor read_tensor(const Napi::Object& o, bool meta) {
  DType dt = dtype_from_name(o.Get("dtype").As<Napi::String>().Utf8Value());
  Shape shape = read_shape(o.Get("shape"));
  Tensor t;
  Napi::Value data = o.Get("data");
  if (meta || data.IsUndefined() || data.IsNull()) {
    if (!meta) throw ValueError("internal: tensor without data in a real run");
    t = Tensor::meta(shape, dt);
  } else {
    t = Tensor::empty(shape, dt);
    if (!data.IsTypedArray()) throw ValueError("internal: tensor data must be a typed array");
    TypedView ta = typed_view(data);
    if (ta.bytes != t.nbytes())
      throw ShapeError("tensor data has " + std::to_string(ta.bytes) + " bytes but shape " + shape_str(shape) + " of " +
                       dtype_name(dt) + " needs " + std::to_string(t.nbytes()));
    if (t.nbytes() > 0) {
      std::memcpy(t.raw(), ta.data, t.nbytes());
      if (dt == DType::Bool) {  // normalise to 0/1 so kernels may trust bool bytes
        auto* p = t.data<uint8_t>();
        for (int64_t i = 0; i < t.numel(); ++i) p[i] = p[i] != 0;
      }
    }
  }
  Napi::Value rg = o.Get("requiresGrad");
  if (rg.IsBoolean() && rg.As<Napi::Boolean>().Value()) t.set_requires_grad(true);
  Napi::Value wr = o.Get("wrapped");
  if (wr.IsBoolean() && wr.As<Napi::Boolean>().Value()) t.impl()->wrapped_number = true;
  return t;
}

Value read_arg(const Napi::Value& v) {
  Value r;
  if (v.IsNull() || v.IsUndefined()) return r;
  if (v.IsNumber()) {
    r.kind = Value::Kind::Number;
    r.number = v.As<Napi::Number>().DoubleValue();
  } else if (v.IsBoolean()) {
    r.kind = Value::Kind::Bool;
    r.boolean = v.As<Napi::Boolean>().Value();
  } else if (v.IsString()) {
    r.kind = Value::Kind::Str;
    r.str = v.As<Napi::String>().Utf8Value();
  } else if (v.IsArray()) {
    auto arr = v.As<Napi::Array>();
    r.kind = Value::Kind::FloatList;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      Napi::Value e = arr.Get(i);
      if (!e.IsNumber()) throw ValueError("internal: list arguments must hold numbers");
      r.numbers.push_back(e.As<Napi::Number>().DoubleValue());
    }
  } else if (v.IsObject()) {
    auto o = v.As<Napi::Object>();
    if (o.Has("t")) {
      r.kind = Value::Kind::Tensor;
      r.slot = o.Get("t").As<Napi::Number>().Int32Value();
    } else if (o.Has("tl")) {
      r.kind = Value::Kind::TensorList;
      auto arr = o.Get("tl").As<Napi::Array>();
      for (uint32_t i = 0; i < arr.Length(); ++i) r.slots.push_back(arr.Get(i).As<Napi::Number>().Int32Value());
    } else {
      throw ValueError("internal: unknown argument object");
    }
  }
  return r;
}

Napi::Object write_tensor(Napi::Env env, const Tensor& t, bool with_data) {
  Napi::Object o = Napi::Object::New(env);
  Napi::Array shape = Napi::Array::New(env, t.shape().size());
  for (size_t i = 0; i < t.shape().size(); ++i) shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(t.shape()[i])));
  o.Set("shape", shape);
  o.Set("dtype", Napi::String::New(env, dtype_name(t.dtype())));
  if (with_data && !t.is_meta()) {
    Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, t.nbytes());
    if (t.nbytes() > 0) std::memcpy(buf.Data(), t.raw(), t.nbytes());
    o.Set("data", buf);
  }
  return o;
}

Napi::Value write_slot(Napi::Env env, const Slot& s, bool with_data) {
  if (!s.is_list) return s.t.defined() ? Napi::Value(write_tensor(env, s.t, with_data)) : env.Null();
  Napi::Array arr = Napi::Array::New(env, s.list.size());
  for (size_t i = 0; i < s.list.size(); ++i) arr.Set(static_cast<uint32_t>(i), write_tensor(env, s.list[i], with_data));
  return arr;
}

Napi::Object write_run_result(Napi::Env env, const RunResult& r, const std::vector<bool>& want) {
  Napi::Object res = Napi::Object::New(env);
  Napi::Array slots = Napi::Array::New(env, r.slots.size());
  for (size_t i = 0; i < r.slots.size(); ++i) slots.Set(static_cast<uint32_t>(i), write_slot(env, r.slots[i], i < want.size() && want[i]));
  res.Set("slots", slots);
  Napi::Array grads = Napi::Array::New(env, r.grads.size());
  for (size_t i = 0; i < r.grads.size(); ++i) grads.Set(static_cast<uint32_t>(i), write_tensor(env, r.grads[i], true));
  res.Set("grads", grads);
  res.Set("cost", write_cost(env, r.bytes, r.flops, r.ops));
  return res;
}

namespace {

// A limit as JS sends it: not finite or past int64 means none; NaN, negative
// numbers and fractions are converted without undefined behaviour.
int64_t limit_from(double d) { return std::isfinite(d) && d < 9.0e18 ? static_cast<int64_t>(std::max(0.0, d)) : INT64_MAX; }

// The job's deadline, ms from now (NaN or <= 0: already due; capped at ~31 years).
void set_deadline(RunOptions& opts, double ms) {
  const double us = ms > 0 ? std::min(ms, 1e12) * 1000 : 0;
  opts.has_deadline_at = true;
  opts.deadline_at = std::chrono::steady_clock::now() + std::chrono::microseconds(static_cast<int64_t>(us));
}

// The cancel flag: the first element of an Int32Array (in a SharedArrayBuffer) a canceller sets.
void set_cancel_flag(RunOptions& opts, const Napi::Value& cancel) {
  if (!cancel.IsTypedArray()) return;
  TypedView ta = typed_view(cancel);
  if (ta.type == napi_int32_array && ta.bytes >= 4) opts.cancel_flag = static_cast<const volatile int32_t*>(ta.data);
}

}  // namespace

int64_t limit_or_max(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? limit_from(v.As<Napi::Number>().DoubleValue()) : INT64_MAX;
}

void read_run_control(const Napi::Object& job, RunOptions& opts) {
  if (job.Has("limits")) {
    Napi::Object l = job.Get("limits").As<Napi::Object>();
    opts.limits.max_bytes = limit_or_max(l, "maxBytes");
    opts.limits.max_flops = limit_or_max(l, "maxFlops");
    opts.limits.max_ops = limit_or_max(l, "maxOps");
    opts.limits.max_elements = limit_or_max(l, "maxElements");
  }
  set_cancel_flag(opts, job.Get("cancel"));
  Napi::Value dl = job.Get("deadlineMs");
  if (dl.IsNumber()) set_deadline(opts, dl.As<Napi::Number>().DoubleValue());
}

int read_run_control_block(const Napi::Value& control, const Napi::Value& cancel, RunOptions& opts) {
  constexpr size_t kLength = 6;
  if (!control.IsTypedArray()) throw ValueError("internal: runPrepared needs a Float64Array control block");
  TypedView c = typed_view(control);
  if (c.type != napi_float64_array || c.bytes < kLength * sizeof(double))
    throw ValueError("internal: runPrepared needs a Float64Array control block of 6 numbers");
  double v[kLength];
  std::memcpy(v, c.data, sizeof v);
  if (v[1] > 0) set_deadline(opts, v[1]);  // 0: no deadline
  opts.limits.max_bytes = limit_from(v[2]);
  opts.limits.max_flops = limit_from(v[3]);
  opts.limits.max_ops = limit_from(v[4]);
  opts.limits.max_elements = limit_from(v[5]);
  set_cancel_flag(opts, cancel);
  return v[0] >= 0 && v[0] < 256 ? static_cast<int>(v[0]) : 0;  // (NaN fails both tests)
}

IRProgram read_program(const Napi::Object& job, size_t num_inputs) {
  IRProgram prog;
  prog.num_inputs = static_cast<int>(num_inputs);
  Napi::Array nodes = job.Get("nodes").As<Napi::Array>();
  for (uint32_t i = 0; i < nodes.Length(); ++i) {
    Napi::Object n = nodes.Get(i).As<Napi::Object>();
    IRNode node;
    std::string name = n.Get("op").As<Napi::String>().Utf8Value();
    node.op = find_op(name);
    if (!node.op) {
      Error e("value", "unknown op '" + name + "'");
      e.node = static_cast<int>(i);
      throw e;
    }
    Napi::Array args = n.Get("args").As<Napi::Array>();
    for (uint32_t k = 0; k < args.Length(); ++k) node.args.push_back(read_arg(args.Get(k)));
    prog.nodes.push_back(std::move(node));
  }
  return prog;
}

void read_backward(const Napi::Value& v, IRProgram& prog) {
  if (!v.IsObject()) return;
  Napi::Object b = v.As<Napi::Object>();
  prog.backward = true;
  prog.of = b.Get("of").As<Napi::Number>().Int32Value();
  prog.wrt = read_ints(b.Get("wrt"));
  Napi::Value go = b.Get("gradOutput");
  prog.grad_output = go.IsNumber() ? go.As<Napi::Number>().Int32Value() : -1;
}

Napi::Object write_cost(Napi::Env env, int64_t bytes, int64_t flops, int64_t ops) {
  Napi::Object cost = Napi::Object::New(env);
  cost.Set("bytes", Napi::Number::New(env, static_cast<double>(bytes)));
  cost.Set("flops", Napi::Number::New(env, static_cast<double>(flops)));
  cost.Set("ops", Napi::Number::New(env, static_cast<double>(ops)));
  return cost;
}

std::vector<int> read_ints(const Napi::Value& v) {
  std::vector<int> out;
  if (!v.IsArray()) return out;
  auto arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); ++i) out.push_back(arr.Get(i).As<Napi::Number>().Int32Value());
  return out;
}

std::vector<std::string> read_strings(const Napi::Value& v) {
  std::vector<std::string> out;
  if (!v.IsArray()) return out;
  auto arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); ++i) out.push_back(arr.Get(i).As<Napi::String>().Utf8Value());
  return out;
}

}  // namespace gs::addon
