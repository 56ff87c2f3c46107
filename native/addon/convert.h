// Conversions at the Node-API boundary: typed arrays and plain JS values to
// engine tensors and IR, engine results back to JS, engine exceptions to JS
// errors carrying a `code` (GS_<kind>) the service maps to HTTP statuses.
#pragma once
#define NAPI_VERSION 8
#include <napi.h>

#include <string>
#include <vector>

#include "../errors.h"
#include "../ir.h"
#include "../registry.h"

namespace gs::addon {

[[noreturn]] void throw_js(Napi::Env env, const char* kind, const std::string& msg, int node);

// Data pointer and byte length of any typed array, SharedArrayBuffer-backed
// ones included (Napi::TypedArray::ArrayBuffer() rejects those).
struct TypedView {
  void* data = nullptr;
  size_t bytes = 0;
  napi_typedarray_type type = napi_uint8_array;
};
TypedView typed_view(const Napi::Value& v);

Shape read_shape(const Napi::Value& v);
// {dtype, shape, data?: TypedArray, requiresGrad?, wrapped?}; no data = meta.
Tensor read_tensor(const Napi::Object& o, bool meta);
// An argument: {t: slot} | {tl: [slots]} | number | boolean | string | null | number[].
Value read_arg(const Napi::Value& v);
// nodes: [{op, args}] -> the IR's op list (ops looked up in the registry).
IRProgram read_program(const Napi::Object& job, size_t num_inputs);
std::vector<int> read_ints(const Napi::Value& v);
std::vector<std::string> read_strings(const Napi::Value& v);
// limits, cancel (Int32Array on a SharedArrayBuffer) and deadlineMs of a job.
void read_run_control(const Napi::Object& job, RunOptions& opts);
// The same from runPrepared's control block (a Float64Array, layout in
// prepared.cc) and cancel flag; returns the block's flags.
constexpr int kRunDry = 1, kRunCheck = 2;
int read_run_control_block(const Napi::Value& control, const Napi::Value& cancel, RunOptions& opts);
int64_t limit_or_max(const Napi::Object& o, const char* key);

// backward: {of, wrt, gradOutput?} | undefined -> the program's final backward.
void read_backward(const Napi::Value& v, IRProgram& prog);
// {bytes, flops, ops}: what a run cost (the estimate held against the limits).
Napi::Object write_cost(Napi::Env env, int64_t bytes, int64_t flops, int64_t ops);
// {slots, grads, cost} of a run: slot i with data when want[i], gradients with
// data (a meta run's tensors never carry any).
Napi::Object write_run_result(Napi::Env env, const RunResult& r, const std::vector<bool>& want);
Napi::Object write_tensor(Napi::Env env, const Tensor& t, bool with_data);
Napi::Value write_slot(Napi::Env env, const Slot& s, bool with_data);

// Runs f, turning engine exceptions into JS errors with their kind and node.
template <class F>
Napi::Value guarded(Napi::Env env, F f) {
  try {
    return f();
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

// The functions exported to JS, one file per family.
Napi::Value Run(const Napi::CallbackInfo& info);             // graph.cc
Napi::Value Prepare(const Napi::CallbackInfo& info);         // prepared.cc
Napi::Value RunPrepared(const Napi::CallbackInfo& info);     // prepared.cc
Napi::Value ListOps(const Napi::CallbackInfo& info);         // addon.cc
Napi::Value SetBlas(const Napi::CallbackInfo& info);         // addon.cc
Napi::Value BlasInfo(const Napi::CallbackInfo& info);        // addon.cc
Napi::Value ListOptimizers(const Napi::CallbackInfo& info);  // optim.cc
Napi::Value ListSchedulers(const Napi::CallbackInfo& info);  // optim.cc
Napi::Value OptimizerStep(const Napi::CallbackInfo& info);   // optim.cc
Napi::Value JsonAnswer(const Napi::CallbackInfo& info);      // json_answer.cc
Napi::Value TuneMalloc(const Napi::CallbackInfo& info);      // malloc_tuning.cc
Napi::Value MatchJsonTemplate(const Napi::CallbackInfo& info); // json_template.cc
Napi::Value Optimize(const Napi::CallbackInfo& info);        // optim.cc

}  // namespace gs::addon
