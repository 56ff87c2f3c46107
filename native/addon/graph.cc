// run(job): execute a graph (IR) on typed-array inputs; see src/worker/job.ts.
#include <cstring>

#include "convert.h"

namespace gs::addon {

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
    prog = read_program(job, inputs.size());
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

}  // namespace gs::addon
