// run(job): execute a graph (IR) on typed-array inputs in one call, reading the
// op list from the job; see src/worker/job.ts. The service's hot path is
// prepared.cc; this entry serves one-off runs (tests, tools).
#include "convert.h"

namespace gs::addon {

// run(job) -> {slots, grads, cost}. Slots listed in job.outputs come back with
// data; the others with shape and dtype only.
Napi::Value Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Napi::Object job = info[0].As<Napi::Object>();
    RunOptions opts;
    opts.meta = job.Get("meta").ToBoolean().Value();
    read_run_control(job, opts);
    std::vector<Tensor> inputs;
    {
      // Input decoding is accounted like any allocation.
      ContextScope scope;
      ctx().meta = opts.meta;
      ctx().limits = opts.limits;
      Napi::Array ins = job.Get("inputs").As<Napi::Array>();
      for (uint32_t i = 0; i < ins.Length(); ++i) inputs.push_back(read_tensor(ins.Get(i).As<Napi::Object>(), opts.meta));
    }
    IRProgram prog = read_program(job, inputs.size());
    read_backward(job.Get("backward"), prog);

    RunResult r = execute(prog, std::move(inputs), opts);

    std::vector<bool> want(r.slots.size(), false);
    for (int s : read_ints(job.Get("outputs")))
      if (s >= 0 && static_cast<size_t>(s) < want.size()) want[static_cast<size_t>(s)] = true;
    return write_run_result(env, r, want);
  });
}

}  // namespace gs::addon
