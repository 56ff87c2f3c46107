// The addon's entry: registers the functions the service calls. The only
// Node-API code lives in this directory (convert.* for the conversions).
#include "../gemm.h"
#include "convert.h"

namespace gs::addon {

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

// gemmSpeeds(n, reps) -> {builtin, blas}: GFLOP/s of an n^3 float32 product with each backend.
Napi::Value GemmSpeedsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const double n = info[0].ToNumber().DoubleValue(), reps = info[1].ToNumber().DoubleValue();
    if (!(n >= 1 && n <= 2048) || !(reps >= 1 && reps <= 100)) throw ValueError("gemmSpeeds: n must be in [1, 2048] and reps in [1, 100]");
    const GemmSpeeds g = measure_gemm_speeds(static_cast<int64_t>(n), static_cast<int>(reps));
    Napi::Object o = Napi::Object::New(env);
    o.Set("builtin", g.builtin);
    o.Set("blas", g.blas);
    return o;
  });
}

namespace {
Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("run", Napi::Function::New(env, Run));
  exports.Set("prepare", Napi::Function::New(env, Prepare));
  exports.Set("runPrepared", Napi::Function::New(env, RunPrepared));
  exports.Set("listOps", Napi::Function::New(env, ListOps));
  exports.Set("setBlas", Napi::Function::New(env, SetBlas));
  exports.Set("blasInfo", Napi::Function::New(env, BlasInfo));
  exports.Set("gemmSpeeds", Napi::Function::New(env, GemmSpeedsJs));
  exports.Set("jsonAnswer", Napi::Function::New(env, JsonAnswer));
  exports.Set("tuneMalloc", Napi::Function::New(env, TuneMalloc));
  exports.Set("matchJsonTemplate", Napi::Function::New(env, MatchJsonTemplate));
  exports.Set("listOptimizers", Napi::Function::New(env, ListOptimizers));
  exports.Set("listSchedulers", Napi::Function::New(env, ListSchedulers));
  exports.Set("optimizerStep", Napi::Function::New(env, OptimizerStep));
  exports.Set("optimize", Napi::Function::New(env, Optimize));
  return exports;
}
}  // namespace

}  // namespace gs::addon

static Napi::Object InitGradserve(Napi::Env env, Napi::Object exports) { return gs::addon::Init(env, exports); }

NODE_API_MODULE(gradserve, InitGradserve)
