// Prepared programs: a worker reads a graph's IR once (prepare) and then runs it
// for every request that shares it (runPrepared), handing over only the
// request's tensor data. This is the hot path of POST /v1/graph: nothing of the
// op list crosses the Node-API boundary again, and the cost check (a meta run)
// can be done in the same call as the real run.
#include <cstdint>
#include <cstring>
#include <memory>

#include "convert.h"

namespace gs::addon {

namespace {

struct PreparedInput {
  Tensor constant;  // defined for constants baked into the program
  DType dtype = DType::Float32;
  Shape shape;
  bool requires_grad = false;
  bool wrapped = false;
  size_t bytes = 0;  // of its data, counted once (the shape was checked when read)
};

struct Prepared {
  IRProgram prog;
  std::vector<PreparedInput> inputs;  // one per input slot
  std::vector<int> data_slots;        // input slots whose data each run brings, in order
  std::vector<int> outputs;           // slots returned with data
  ExecPlan plan;                      // plan(prog, &outputs): the same for every run
};

Prepared& unwrap(const Napi::Value& v) {
  if (!v.IsExternal()) throw ValueError("internal: not a prepared program");
  return *v.As<Napi::External<Prepared>>().Data();
}

// The tensor of input slot `in` for one run: constants are copied (ops may not
// share storage across requests), request data is copied from its typed array.
Tensor input_tensor(const PreparedInput& in, const TypedView* data, bool meta, int64_t max_elements) {
  Tensor t;
  if (meta) {
    t = Tensor::meta(in.shape, in.dtype);
  } else if (in.constant.defined()) {
    t = Tensor::empty(in.shape, in.dtype);
    if (t.nbytes() > 0) std::memcpy(t.raw(), in.constant.raw(), t.nbytes());
  } else {
    const TypedView& ta = *data;
    const size_t need = static_cast<size_t>(shape_numel(in.shape, max_elements)) * dtype_size(in.dtype);
    if (ta.bytes != need)
      throw ShapeError("tensor data has " + std::to_string(ta.bytes) + " bytes but shape " + shape_str(in.shape) + " of " +
                       dtype_name(in.dtype) + " needs " + std::to_string(need));
    if (in.dtype != DType::Bool && reinterpret_cast<uintptr_t>(ta.data) % dtype_size(in.dtype) == 0) {
      // The request's data is used where it is, not copied: the job's buffers
      // belong to this worker, and RunPrepared copies every result out before
      // it returns.
      t = Tensor::borrowed(in.shape, in.dtype, need > 0 ? ta.data : nullptr);
    } else {
      t = Tensor::empty(in.shape, in.dtype);
      if (need > 0) std::memcpy(t.raw(), ta.data, need);
      if (in.dtype == DType::Bool) {  // normalise to 0/1 so kernels may trust bool bytes
        auto* p = t.data<uint8_t>();
        for (int64_t i = 0; i < t.numel(); ++i) p[i] = p[i] != 0;
      }
    }
  }
  if (in.requires_grad) t.set_requires_grad(true);
  if (in.wrapped) t.impl()->wrapped_number = true;
  return t;
}

// The request data of a run: one typed array per non-constant input, or all of
// them packed in one typed array, each at the next 8-byte aligned offset (how
// the service sends small inputs: one buffer crosses the thread boundary
// instead of one per tensor).
struct RunData {
  SmallVec<TypedView, 8> views;  // inline: a program has a few inputs
};

RunData read_data(const Prepared& p, const Napi::Value& v) {
  RunData d;
  d.views.reserve(p.data_slots.size());
  if (v.IsTypedArray()) {
    TypedView all = typed_view(v);
    size_t off = 0;
    for (int s : p.data_slots) {
      const PreparedInput& in = p.inputs[static_cast<size_t>(s)];
      const size_t n = in.bytes;
      if (off + n > all.bytes) throw ShapeError("packed tensor data has " + std::to_string(all.bytes) + " bytes, too few for the program's inputs");
      d.views.push_back({static_cast<char*>(all.data) + off, n, all.type});
      off += (n + 7) & ~size_t{7};
    }
    return d;
  }
  Napi::Array arr = v.As<Napi::Array>();
  if (arr.Length() != p.data_slots.size()) throw ValueError("internal: wrong number of input tensors");
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value e = arr.Get(i);
    if (!e.IsTypedArray()) throw ValueError("internal: tensor data must be a typed array");
    d.views.push_back(typed_view(e));
  }
  return d;
}

std::vector<Tensor> run_inputs(const Prepared& p, const RunData& data, bool meta, const Limits& limits) {
  // Input copies are accounted like any allocation.
  ContextScope scope;
  scope.c.meta = meta;
  scope.c.limits = limits;
  std::vector<Tensor> inputs(p.inputs.size());
  size_t next = 0;
  for (size_t i = 0; i < p.inputs.size(); ++i) {
    const TypedView* view = nullptr;
    if (!meta && !p.inputs[i].constant.defined()) {
      if (next >= data.views.size()) throw ValueError("internal: too few input tensors");
      view = &data.views[next++];
    }
    inputs[i] = input_tensor(p.inputs[i], view, meta, limits.max_elements);
  }
  return inputs;
}

// A real run's answer in one ArrayBuffer, so one buffer crosses back to the
// main thread: a float64 header, then each tensor's bytes at 8-byte aligned
// offsets. Header: [count, bytes, flops, ops], then per tensor
// [slot, position, dtype, ndim, shape..., offset]: slot -1-i for gradient i,
// position -1 for a tensor slot or its index in a list slot (-2: an empty
// list), dtype -1 for an undefined tensor. See src/worker/packed-result.ts.
Napi::ArrayBuffer pack_result(Napi::Env env, const Prepared& p, const RunResult& r) {
  struct Entry {
    double slot, pos;
    const Tensor* t;
  };
  SmallVec<Entry, 16> entries;  // inline: a few outputs and gradients
  entries.reserve(p.outputs.size() + r.grads.size());
  for (int s : p.outputs) {
    const Slot& sl = r.slots[static_cast<size_t>(s)];
    if (!sl.is_list) entries.push_back({double(s), -1, &sl.t});
    else if (sl.list.empty()) entries.push_back({double(s), -2, nullptr});
    else
      for (size_t k = 0; k < sl.list.size(); ++k) entries.push_back({double(s), double(k), &sl.list[k]});
  }
  for (size_t i = 0; i < r.grads.size(); ++i) entries.push_back({-1.0 - double(i), -1, &r.grads[i]});
  size_t header = 4;
  for (const Entry& e : entries) header += 5 + (e.t && e.t->defined() ? e.t->shape().size() : 0);
  size_t total = header * sizeof(double);
  for (const Entry& e : entries)
    if (e.t && e.t->defined()) total += (e.t->nbytes() + 7) & ~size_t{7};
  Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, total);
  auto* h = static_cast<double*>(buf.Data());
  char* base = static_cast<char*>(buf.Data());
  size_t k = 0, off = header * sizeof(double);
  h[k++] = double(entries.size());
  h[k++] = double(r.bytes);
  h[k++] = double(r.flops);
  h[k++] = double(r.ops);
  for (const Entry& e : entries) {
    h[k++] = e.slot;
    h[k++] = e.pos;
    const bool def = e.t && e.t->defined();
    h[k++] = def ? double(static_cast<int>(e.t->dtype())) : -1.0;
    h[k++] = def ? double(e.t->shape().size()) : 0.0;
    if (def)
      for (int64_t d : e.t->shape()) h[k++] = double(d);
    h[k++] = double(off);
    if (def && e.t->nbytes() > 0) {
      std::memcpy(base + off, e.t->raw(), e.t->nbytes());
      off += (e.t->nbytes() + 7) & ~size_t{7};
    }
  }
  return buf;
}

}  // namespace

// prepare({inputs: [{dtype, shape, requiresGrad, wrapped, data?}], nodes, outputs,
// backward?}) -> an opaque handle. Inputs with data are constants of the
// program; the others are filled by each run, in order.
Napi::Value Prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Napi::Object ir = info[0].As<Napi::Object>();
    auto p = std::make_unique<Prepared>();
    Napi::Array ins = ir.Get("inputs").As<Napi::Array>();
    {
      ContextScope scope;  // constants are small and checked by the compiler; no limits here
      for (uint32_t i = 0; i < ins.Length(); ++i) {
        Napi::Object o = ins.Get(i).As<Napi::Object>();
        Napi::Value data = o.Get("data");
        const bool constant = data.IsTypedArray();
        Tensor t = read_tensor(o, !constant);
        PreparedInput in;
        in.dtype = t.dtype();
        in.shape = t.shape();
        in.requires_grad = t.requires_grad();
        in.wrapped = t.is_wrapped_number();
        in.bytes = t.nbytes();
        if (constant) in.constant = t.detach();
        else p->data_slots.push_back(static_cast<int>(i));
        p->inputs.push_back(std::move(in));
      }
    }
    p->prog = read_program(ir, p->inputs.size());
    read_backward(ir.Get("backward"), p->prog);
    p->outputs = read_ints(ir.Get("outputs"));
    for (int s : p->outputs)
      if (s < 0 || static_cast<size_t>(s) >= p->inputs.size() + p->prog.nodes.size()) throw ValueError("internal: bad output slot");
    p->plan = plan(p->prog, &p->outputs);
    return Napi::External<Prepared>::New(env, p.release(), [](Napi::Env, Prepared* q) { delete q; });
  });
}

// runPrepared(handle, data, control, cancel?). control: a Float64Array of
// RUN_CONTROL_LENGTH numbers (src/native.ts, runControl) — flags (1: dryRun,
// 2: check), deadlineMs (<= 0: none), maxBytes, maxFlops, maxOps, maxElements
// (not finite: no limit) — read as one block: reading an options object costs
// a property lookup and a key string per field, ~7% of a tiny run. cancel: an
// Int32Array whose first element a canceller sets.
// data: the non-constant inputs' typed arrays, or one typed array packing them
// (see read_data). `check` first runs the program on shapes alone (the cost
// model) and stops before any kernel when it is over a limit; `dryRun` does
// only that and returns {slots, grads, cost} with every slot's shape and dtype.
// A real run returns its outputs and gradients packed in one ArrayBuffer
// (pack_result).
Napi::Value RunPrepared(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const Prepared& p = unwrap(info[0]);
    RunOptions opts;
    opts.plan = &p.plan;
    const int flags = read_run_control_block(info[2], info[3], opts);
    const bool dry_run = (flags & kRunDry) != 0;
    const bool check = dry_run || (flags & kRunCheck) != 0;

    if (check) {
      RunOptions meta_opts = opts;
      meta_opts.meta = true;
      RunResult m = execute(p.prog, run_inputs(p, RunData{}, true, opts.limits), meta_opts);
      if (dry_run) return write_run_result(env, m, std::vector<bool>(m.slots.size(), false));
    }
    const RunData data = read_data(p, info[1]);
    opts.fuse_keep = &p.outputs;  // only the outputs are read back: transposes may fuse into products
    RunResult r = execute(p.prog, run_inputs(p, data, false, opts.limits), opts);
    return pack_result(env, p, r);
  });
}

}  // namespace gs::addon
