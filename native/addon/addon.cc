// The only Node-API code: typed arrays in, typed arrays out, engine
// exceptions turned into JS errors with a `code` the service maps to HTTP.
#define NAPI_VERSION 8
#include <napi.h>

#include <cstring>
#include <new>

#include "../errors.h"
#include "../gemm.h"
#include "../ir.h"
#include "../registry.h"

namespace {

using namespace gs;

[[noreturn]] void throw_js(Napi::Env env, const char* kind, const std::string& msg, int node) {
  Napi::Error err = Napi::Error::New(env, msg);
  err.Set("code", Napi::String::New(env, std::string("GS_") + kind));
  if (node >= 0) err.Set("node", Napi::Number::New(env, node));
  throw err;
}

// Data pointer and byte length of any typed array, SharedArrayBuffer-backed
// ones included (Napi::TypedArray::ArrayBuffer() rejects those).
struct TypedView {
  void* data = nullptr;
  size_t bytes = 0;
  napi_typedarray_type type = napi_uint8_array;
};

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

// {dtype, shape, data?: TypedArray, requiresGrad?, wrapped?}; no data = meta.
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

// An argument: {t: slot} | {tl: [slots]} | number | boolean | string | null | number[].
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

int64_t limit_or_max(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) return INT64_MAX;
  double d = v.As<Napi::Number>().DoubleValue();
  return d >= 9.0e18 ? INT64_MAX : static_cast<int64_t>(d);
}

// run(job) -> {slots, grads, cost}. See src/worker/job.ts for the shape of a job.
Napi::Value Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    Napi::Object job = info[0].As<Napi::Object>();
    const bool meta = job.Get("meta").ToBoolean().Value();
    IRProgram prog;
    std::vector<Tensor> inputs;
    RunOptions opts;
    opts.meta = meta;
    if (job.Has("limits")) {
      Napi::Object l = job.Get("limits").As<Napi::Object>();
      opts.limits.max_bytes = limit_or_max(l, "maxBytes");
      opts.limits.max_flops = limit_or_max(l, "maxFlops");
      opts.limits.max_ops = limit_or_max(l, "maxOps");
      opts.limits.max_elements = limit_or_max(l, "maxElements");
    }
    {
      // Input decoding is accounted like any allocation.
      ContextScope scope;
      ctx().meta = meta;
      ctx().limits = opts.limits;
      Napi::Array ins = job.Get("inputs").As<Napi::Array>();
      for (uint32_t i = 0; i < ins.Length(); ++i) inputs.push_back(read_tensor(ins.Get(i).As<Napi::Object>(), meta));
    }
    prog.num_inputs = static_cast<int>(inputs.size());
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
    Napi::Value bw = job.Get("backward");
    if (bw.IsObject()) {
      Napi::Object b = bw.As<Napi::Object>();
      prog.backward = true;
      prog.of = b.Get("of").As<Napi::Number>().Int32Value();
      Napi::Array wrt = b.Get("wrt").As<Napi::Array>();
      for (uint32_t i = 0; i < wrt.Length(); ++i) prog.wrt.push_back(wrt.Get(i).As<Napi::Number>().Int32Value());
      Napi::Value go = b.Get("gradOutput");
      prog.grad_output = go.IsNumber() ? go.As<Napi::Number>().Int32Value() : -1;
    }
    Napi::Value cancel = job.Get("cancel");
    if (cancel.IsTypedArray()) {
      TypedView ta = typed_view(cancel);
      // The flag lives in a SharedArrayBuffer the main thread writes; the job
      // object keeps it alive for the duration of this call.
      if (ta.type == napi_int32_array && ta.bytes >= 4) opts.cancel_flag = static_cast<const volatile int32_t*>(ta.data);
    }
    Napi::Value dl = job.Get("deadlineMs");
    if (dl.IsNumber()) opts.deadline_ms = dl.As<Napi::Number>().DoubleValue();

    RunResult r = execute(prog, std::move(inputs), opts);

    // Which slots to return with data; the rest come back as shape and dtype only.
    std::vector<bool> want(r.slots.size(), false);
    Napi::Value outs = job.Get("outputs");
    if (outs.IsArray()) {
      auto arr = outs.As<Napi::Array>();
      for (uint32_t i = 0; i < arr.Length(); ++i) {
        int s = arr.Get(i).As<Napi::Number>().Int32Value();
        if (s >= 0 && static_cast<size_t>(s) < want.size()) want[static_cast<size_t>(s)] = true;
      }
    }
    Napi::Object res = Napi::Object::New(env);
    Napi::Array slots = Napi::Array::New(env, r.slots.size());
    for (size_t i = 0; i < r.slots.size(); ++i) slots.Set(static_cast<uint32_t>(i), write_slot(env, r.slots[i], want[i]));
    res.Set("slots", slots);
    Napi::Array grads = Napi::Array::New(env, r.grads.size());
    for (size_t i = 0; i < r.grads.size(); ++i) grads.Set(static_cast<uint32_t>(i), write_tensor(env, r.grads[i], true));
    res.Set("grads", grads);
    Napi::Object cost = Napi::Object::New(env);
    cost.Set("bytes", Napi::Number::New(env, static_cast<double>(r.bytes)));
    cost.Set("flops", Napi::Number::New(env, static_cast<double>(r.flops)));
    cost.Set("ops", Napi::Number::New(env, static_cast<double>(r.ops)));
    res.Set("cost", cost);
    return res;
  } catch (const Napi::Error&) {
    throw;
  } catch (const Error& e) {
    throw_js(env, e.kind, e.what(), e.node);
  } catch (const std::bad_alloc&) {
    throw_js(env, "limit", "out of memory", -1);
  } catch (const std::exception& e) {
    throw_js(env, "internal", e.what(), -1);
  }
}

Napi::Value ListOps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto& ops = all_ops();
  Napi::Array arr = Napi::Array::New(env, ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("schema", ops[i].schema);
    o.Set("doc", ops[i].doc);
    o.Set("differentiable", ops[i].differentiable);
    o.Set("autograd", ops[i].kind == OpKind::Autograd);
    arr.Set(static_cast<uint32_t>(i), o);
  }
  return arr;
}

Napi::Value SetBlas(const Napi::CallbackInfo& info) {
  set_blas_enabled(info[0].ToBoolean().Value());
  return Napi::Boolean::New(info.Env(), blas_enabled());
}

Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("available", blas_available());
  o.Set("enabled", blas_enabled());
  o.Set("core", blas_core());
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("run", Napi::Function::New(env, Run));
  exports.Set("listOps", Napi::Function::New(env, ListOps));
  exports.Set("setBlas", Napi::Function::New(env, SetBlas));
  exports.Set("blasInfo", Napi::Function::New(env, BlasInfo));
  return exports;
}

}  // namespace

NODE_API_MODULE(gradserve, Init)
