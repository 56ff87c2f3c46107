// Optimizer bindings: listOptimizers, listSchedulers, optimizerStep, optimize.
#include <algorithm>
#include <cstring>

#include "../optim/optimize.h"
#include "convert.h"

namespace gs::addon {


using optim::Opt;
using optim::Options;
using optim::ParamState;
using optim::StateValue;

Options read_options(const Napi::Value& v);

Opt read_opt(const Napi::Value& v) {
  if (v.IsNull() || v.IsUndefined()) return Opt();
  if (v.IsNumber()) return Opt::number(v.As<Napi::Number>().DoubleValue());
  if (v.IsBoolean()) return Opt::boolean(v.As<Napi::Boolean>().Value());
  if (v.IsString()) return Opt::string(v.As<Napi::String>().Utf8Value());
  if (v.IsArray()) {
    auto arr = v.As<Napi::Array>();
    Opt o;
    o.kind = Opt::Kind::Numbers;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      Napi::Value e = arr.Get(i);
      if (e.IsNumber()) {
        o.nums.push_back(e.As<Napi::Number>().DoubleValue());
      } else if (e.IsObject() && !e.IsArray()) {
        o.kind = Opt::Kind::Objects;
        o.objs.push_back(read_options(e));
      } else {
        throw ValueError("a list option must hold numbers (or, for schedulers, objects)");
      }
    }
    if (o.kind == Opt::Kind::Objects && !o.nums.empty()) throw ValueError("a list option must not mix numbers and objects");
    return o;
  }
  throw ValueError("an option must be a number, boolean, string or list");
}

Options read_options(const Napi::Value& v) {
  Options out;
  if (!v.IsObject()) return out;
  Napi::Object o = v.As<Napi::Object>();
  Napi::Array keys = o.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    std::string k = keys.Get(i).As<Napi::String>().Utf8Value();
    out[k] = read_opt(o.Get(k));
  }
  return out;
}

Napi::Value write_opt(Napi::Env env, const Opt& o) {
  switch (o.kind) {
    case Opt::Kind::Null: return env.Null();
    case Opt::Kind::Number: return Napi::Number::New(env, o.num);
    case Opt::Kind::Bool: return Napi::Boolean::New(env, o.b);
    case Opt::Kind::Str: return Napi::String::New(env, o.str);
    case Opt::Kind::Numbers: {
      Napi::Array a = Napi::Array::New(env, o.nums.size());
      for (size_t i = 0; i < o.nums.size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, o.nums[i]));
      return a;
    }
    case Opt::Kind::Objects: {
      Napi::Array a = Napi::Array::New(env, o.objs.size());
      for (size_t i = 0; i < o.objs.size(); ++i) {
        Napi::Object obj = Napi::Object::New(env);
        for (const auto& [k, v] : o.objs[i]) obj.Set(k, write_opt(env, v));
        a.Set(static_cast<uint32_t>(i), obj);
      }
      return a;
    }
  }
  return env.Null();
}

Napi::Array write_hypers(Napi::Env env, const std::vector<optim::HyperDef>& hs) {
  Napi::Array arr = Napi::Array::New(env, hs.size());
  for (size_t i = 0; i < hs.size(); ++i) {
    Napi::Object h = Napi::Object::New(env);
    h.Set("name", hs[i].name);
    h.Set("type", hs[i].type);
    h.Set("required", hs[i].required);
    if (!hs[i].required) h.Set("default", write_opt(env, hs[i].def));
    h.Set("doc", hs[i].doc);
    arr.Set(static_cast<uint32_t>(i), h);
  }
  return arr;
}

Napi::Value ListOptimizers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto& defs = optim::optimizers();
  Napi::Array arr = Napi::Array::New(env, defs.size());
  for (size_t i = 0; i < defs.size(); ++i) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", defs[i].name);
    o.Set("class", defs[i].cls);
    o.Set("doc", defs[i].doc);
    o.Set("closure", defs[i].needs_closure);
    o.Set("hyperparameters", write_hypers(env, defs[i].hypers));
    arr.Set(static_cast<uint32_t>(i), o);
  }
  return arr;
}

Napi::Value ListSchedulers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto& defs = optim::schedulers();
  Napi::Array arr = Napi::Array::New(env, defs.size());
  for (size_t i = 0; i < defs.size(); ++i) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", defs[i].name);
    o.Set("class", defs[i].cls);
    o.Set("doc", defs[i].doc);
    o.Set("hyperparameters", write_hypers(env, defs[i].hypers));
    arr.Set(static_cast<uint32_t>(i), o);
  }
  return arr;
}

// A parameter's state from JS: {name: number | null | tensor | tensor[] | number[]}.
ParamState read_state(const Napi::Value& v) {
  ParamState s;
  if (!v.IsObject()) return s;
  Napi::Object o = v.As<Napi::Object>();
  Napi::Array keys = o.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    std::string k = keys.Get(i).As<Napi::String>().Utf8Value();
    Napi::Value e = o.Get(k);
    StateValue sv;
    if (e.IsNull() || e.IsUndefined()) {
      sv = StateValue::null();
    } else if (e.IsNumber()) {
      sv = StateValue::number(e.As<Napi::Number>().DoubleValue());
    } else if (e.IsArray()) {
      auto arr = e.As<Napi::Array>();
      sv.kind = StateValue::Kind::Numbers;
      for (uint32_t j = 0; j < arr.Length(); ++j) {
        Napi::Value x = arr.Get(j);
        if (x.IsNumber()) {
          sv.nums.push_back(x.As<Napi::Number>().DoubleValue());
        } else {
          sv.kind = StateValue::Kind::Tensors;
          sv.ts.push_back(read_tensor(x.As<Napi::Object>(), false));
        }
      }
      if (sv.kind == StateValue::Kind::Tensors && !sv.nums.empty()) throw ValueError("state '" + k + "' mixes numbers and tensors");
    } else if (e.IsObject()) {
      sv = StateValue::tensor(read_tensor(e.As<Napi::Object>(), false));
    } else {
      throw ValueError("state '" + k + "' must be a number, a tensor or null");
    }
    s.set(k, sv);
  }
  return s;
}

Napi::Value write_state(Napi::Env env, const ParamState& s) {
  Napi::Object o = Napi::Object::New(env);
  for (const auto& [k, v] : s.items) {
    switch (v.kind) {
      case StateValue::Kind::Null: o.Set(k, env.Null()); break;
      case StateValue::Kind::Number: o.Set(k, Napi::Number::New(env, v.num)); break;
      case StateValue::Kind::Tensor: o.Set(k, write_tensor(env, v.t, true)); break;
      case StateValue::Kind::Tensors: {
        Napi::Array a = Napi::Array::New(env, v.ts.size());
        for (size_t i = 0; i < v.ts.size(); ++i) a.Set(static_cast<uint32_t>(i), write_tensor(env, v.ts[i], true));
        o.Set(k, a);
        break;
      }
      case StateValue::Kind::Numbers: {
        Napi::Array a = Napi::Array::New(env, v.nums.size());
        for (size_t i = 0; i < v.nums.size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, v.nums[i]));
        o.Set(k, a);
        break;
      }
    }
  }
  return o;
}

const optim::OptimizerDef& read_optimizer_def(const Napi::Object& spec) {
  std::string name = spec.Get("name").As<Napi::String>().Utf8Value();
  const optim::OptimizerDef* def = optim::find_optimizer(name);
  if (!def) throw ValueError("unknown optimizer '" + name + "'");
  return *def;
}

// groups: [{params: [index], options: {...}}]
std::vector<optim::Group> read_groups(const Napi::Object& spec, size_t nparams) {
  std::vector<optim::Group> groups;
  Napi::Array gs = spec.Get("groups").As<Napi::Array>();
  for (uint32_t i = 0; i < gs.Length(); ++i) {
    Napi::Object g = gs.Get(i).As<Napi::Object>();
    optim::Group grp;
    Napi::Array ps = g.Get("params").As<Napi::Array>();
    for (uint32_t j = 0; j < ps.Length(); ++j) {
      double k = ps.Get(j).As<Napi::Number>().DoubleValue();
      if (!(k >= 0 && k < static_cast<double>(nparams))) throw ValueError("internal: bad parameter index");
      grp.params.push_back(static_cast<size_t>(k));
    }
    grp.h = read_options(g.Get("options"));
    groups.push_back(std::move(grp));
  }
  return groups;
}

Napi::Array write_groups(Napi::Env env, const std::vector<optim::Group>& groups) {
  Napi::Array arr = Napi::Array::New(env, groups.size());
  for (size_t i = 0; i < groups.size(); ++i) {
    Napi::Object g = Napi::Object::New(env);
    Napi::Array ps = Napi::Array::New(env, groups[i].params.size());
    for (size_t j = 0; j < groups[i].params.size(); ++j) ps.Set(static_cast<uint32_t>(j), Napi::Number::New(env, static_cast<double>(groups[i].params[j])));
    g.Set("params", ps);
    Napi::Object opts = Napi::Object::New(env);
    for (const auto& [k, v] : groups[i].h) opts.Set(k, write_opt(env, v));
    g.Set("options", opts);
    arr.Set(static_cast<uint32_t>(i), g);
  }
  return arr;
}

// optimizerStep({optimizer: {name, groups}, params, grads, names, state, steps, cancel, deadlineMs})
//   -> {params, state, groups}
Napi::Value OptimizerStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Napi::Object job = info[0].As<Napi::Object>();
    Napi::Object spec = job.Get("optimizer").As<Napi::Object>();
    const optim::OptimizerDef& def = read_optimizer_def(spec);
    if (def.needs_closure) throw ValueError(def.cls + " needs a closure: use POST /v1/optimize");
    RunOptions run;
    read_run_control(job, run);
    ContextScope scope;
    ctx().limits = run.limits;
    ctx().cancel_flag = run.cancel_flag;
    if (run.has_deadline_at) {
      ctx().has_deadline = true;
      ctx().deadline = run.deadline_at;
    }
    Napi::Array ps = job.Get("params").As<Napi::Array>(), gs = job.Get("grads").As<Napi::Array>(), names = job.Get("names").As<Napi::Array>();
    std::vector<Tensor> params, grads;
    std::vector<std::string> pnames;
    for (uint32_t i = 0; i < ps.Length(); ++i) {
      pnames.push_back(names.Get(i).As<Napi::String>().Utf8Value());
      params.push_back(optim::clone(read_tensor(ps.Get(i).As<Napi::Object>(), false)));
      grads.push_back(read_tensor(gs.Get(i).As<Napi::Object>(), false));
      if (!is_floating(params.back().dtype())) throw DTypeError("parameter '" + pnames.back() + "' must be a floating point tensor (float32 or float64)");
      if (grads.back().shape() != params.back().shape())
        throw ShapeError("grad of '" + pnames.back() + "' has shape " + shape_str(grads.back().shape()) + " but the parameter has shape " +
                         shape_str(params.back().shape()));
    }
    std::vector<optim::Group> groups = read_groups(spec, params.size());
    optim::resolve_groups(def, groups);
    std::vector<ParamState> states(params.size());
    Napi::Value st = job.Get("state");
    if (st.IsArray()) {
      auto arr = st.As<Napi::Array>();
      for (uint32_t i = 0; i < arr.Length() && i < states.size(); ++i) states[i] = read_state(arr.Get(i));
    }
    for (auto& g : groups)
      for (size_t i : g.params)
        if (!states[i].empty()) optim::check_state(def, pnames[i], params[i], g.h, states[i]);
    const int64_t steps = static_cast<int64_t>(job.Get("steps").As<Napi::Number>().DoubleValue());
    for (int64_t k = 0; k < steps; ++k) {
      ctx().check_cancel();
      optim::optimizer_step(def, groups, params, grads, states);
    }
    Napi::Object res = Napi::Object::New(env);
    Napi::Array outp = Napi::Array::New(env, params.size()), outs = Napi::Array::New(env, params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      outp.Set(static_cast<uint32_t>(i), write_tensor(env, params[i], true));
      outs.Set(static_cast<uint32_t>(i), write_state(env, states[i]));
    }
    res.Set("params", outp);
    res.Set("state", outs);
    res.Set("groups", write_groups(env, groups));
    return res;
  });
}

// optimize({inputs, nodes, params: [slot], paramNames, loss, lossName, record: [slot], recordNames,
//           optimizer: {name, groups}, scheduler?, state?, steps, limits, cancel, deadlineMs,
//           onProgress?: (records) => void, progressEvery?})
//   -> {params, loss: Float64Array, lr: Float64Array, records, state, groups, cost}
Napi::Value Optimize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Napi::Object job = info[0].As<Napi::Object>();
    optim::OptimizeJob oj;
    read_run_control(job, oj.run);
    {
      ContextScope scope;
      ctx().limits = oj.run.limits;
      Napi::Array ins = job.Get("inputs").As<Napi::Array>();
      for (uint32_t i = 0; i < ins.Length(); ++i) oj.inputs.push_back(read_tensor(ins.Get(i).As<Napi::Object>(), false));
    }
    oj.prog = read_program(job, oj.inputs.size());
    oj.param_slots = read_ints(job.Get("params"));
    oj.param_names = read_strings(job.Get("paramNames"));
    oj.loss_slot = job.Get("loss").As<Napi::Number>().Int32Value();
    oj.loss_name = job.Get("lossName").As<Napi::String>().Utf8Value();
    oj.record_slots = read_ints(job.Get("record"));
    oj.record_names = read_strings(job.Get("recordNames"));
    Napi::Object spec = job.Get("optimizer").As<Napi::Object>();
    oj.optimizer = &read_optimizer_def(spec);
    oj.groups = read_groups(spec, oj.param_slots.size());
    Napi::Value sch = job.Get("scheduler");
    if (sch.IsObject()) {
      oj.has_scheduler = true;
      oj.scheduler = read_options(sch);
    }
    Napi::Value st = job.Get("state");
    if (st.IsArray()) {
      auto arr = st.As<Napi::Array>();
      oj.states.resize(oj.param_slots.size());
      for (uint32_t i = 0; i < arr.Length() && i < oj.states.size(); ++i) oj.states[i] = read_state(arr.Get(i));
    }
    oj.steps = static_cast<int64_t>(job.Get("steps").As<Napi::Number>().DoubleValue());
    optim::OptimizeResult r;
    Napi::Value cb = job.Get("onProgress");
    int64_t every = job.Get("progressEvery").IsNumber() ? std::max<int64_t>(1, job.Get("progressEvery").As<Napi::Number>().Int64Value()) : 1;
    int64_t sent = 0;
    auto flush = [&](int64_t done) {
      Napi::Array batch = Napi::Array::New(env, static_cast<size_t>(done - sent));
      for (int64_t k = sent; k < done; ++k) {
        Napi::Object rec = Napi::Object::New(env);
        rec.Set("step", Napi::Number::New(env, static_cast<double>(k)));
        rec.Set("loss", Napi::Number::New(env, r.loss[static_cast<size_t>(k)]));
        rec.Set("lr", Napi::Number::New(env, r.lr[static_cast<size_t>(k)]));
        batch.Set(static_cast<uint32_t>(k - sent), rec);
      }
      sent = done;
      cb.As<Napi::Function>().Call({batch});
    };
    if (cb.IsFunction())
      oj.on_progress = [&](int64_t done) {
        if (done - sent >= every || done == oj.steps) flush(done);
      };
    optim::optimize(oj, r);

    Napi::Object res = Napi::Object::New(env);
    Napi::Array outp = Napi::Array::New(env, r.params.size()), outs = Napi::Array::New(env, r.params.size());
    for (size_t i = 0; i < r.params.size(); ++i) {
      outp.Set(static_cast<uint32_t>(i), write_tensor(env, r.params[i], true));
      outs.Set(static_cast<uint32_t>(i), write_state(env, i < r.states.size() ? r.states[i] : ParamState()));
    }
    res.Set("params", outp);
    res.Set("state", outs);
    res.Set("groups", write_groups(env, r.groups));
    auto f64 = [&](const std::vector<double>& v) {
      Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, v.size() * sizeof(double));
      if (!v.empty()) std::memcpy(buf.Data(), v.data(), v.size() * sizeof(double));
      return buf;
    };
    res.Set("loss", f64(r.loss));
    res.Set("lr", f64(r.lr));
    Napi::Array recs = Napi::Array::New(env, r.records.size());
    for (size_t i = 0; i < r.records.size(); ++i) recs.Set(static_cast<uint32_t>(i), write_tensor(env, r.records[i], true));
    res.Set("records", recs);
    res.Set("cost", write_cost(env, r.bytes, r.flops, r.ops));
    return res;
  });
}

}  // namespace gs::addon
