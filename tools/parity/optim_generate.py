#!/usr/bin/env python3
"""Generates test/fixtures/optim-parity.json from optim_cases.py with real PyTorch 1.13.

    /usr/bin/python3 tools/parity/optim_generate.py

Every case is a request (url + body) and the answer PyTorch gives: parameters
and state_dict() after a step call, or params, history and state after a
training loop. Deterministic (fixed seeds, one thread).
"""
import json
import os
import sys
import warnings
import zlib

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import optim_cases as C  # noqa: E402

torch.set_num_threads(1)
warnings.filterwarnings("ignore")
OUT = os.path.join(ROOT, "test", "fixtures", "optim-parity.json")
DT = {"float32": torch.float32, "float64": torch.float64}

CLASSES = {
    "sgd": torch.optim.SGD, "asgd": torch.optim.ASGD, "rprop": torch.optim.Rprop, "adagrad": torch.optim.Adagrad,
    "adadelta": torch.optim.Adadelta, "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
    "adamax": torch.optim.Adamax, "nadam": torch.optim.NAdam, "radam": torch.optim.RAdam, "sparse_adam": torch.optim.SparseAdam,
    "lbfgs": torch.optim.LBFGS,
}
S = torch.optim.lr_scheduler
SCHEDULERS = {
    "step_lr": S.StepLR, "multi_step_lr": S.MultiStepLR, "exponential_lr": S.ExponentialLR, "cosine_annealing_lr": S.CosineAnnealingLR,
    "cosine_annealing_warm_restarts": S.CosineAnnealingWarmRestarts, "linear_lr": S.LinearLR, "constant_lr": S.ConstantLR,
    "polynomial_lr": S.PolynomialLR, "one_cycle_lr": S.OneCycleLR, "cyclic_lr": S.CyclicLR, "reduce_lr_on_plateau": S.ReduceLROnPlateau,
    "sequential_lr": S.SequentialLR, "chained_scheduler": S.ChainedScheduler,
}


def tj(t):
    """A tensor as the API writes it."""
    def fix(v):
        if isinstance(v, list):
            return [fix(x) for x in v]
        if v != v:
            return "NaN"
        if v in (float("inf"), float("-inf")):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    t = t.detach()
    return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""), "data": fix(t.tolist())}


def opts(d):
    return {k: (tuple(v) if isinstance(v, list) else v) for k, v in d.items()}


def state_json(opt, names, params):
    out = {}
    sd = opt.state
    for n, p in zip(names, params):
        if p not in sd or len(sd[p]) == 0:
            continue
        st = {}
        for k, v in sd[p].items():
            if k == "al":
                continue
            if v is None:
                st[k] = None
            elif isinstance(v, torch.Tensor) and (v.dim() == 0 or k == "step"):
                st[k] = v.item()
            elif isinstance(v, torch.Tensor):
                st[k] = tj(v)
            elif isinstance(v, list):
                st[k] = [x.item() if isinstance(x, torch.Tensor) and x.dim() == 0 else tj(x) for x in v]
            else:
                st[k] = float(v) if isinstance(v, float) else v
        out[n] = st
    return out


def make(name, params, options):
    return CLASSES[name](params, **opts(options))


def set_grad(name, p, g):
    p.grad = g.clone().to_sparse() if name == "sparse_adam" else g.clone()


def step_case(name, options, dtype, steps, groups=False):
    g = torch.Generator().manual_seed(zlib.crc32(f"{name}{json.dumps(options, sort_keys=True)}{dtype}{steps}{groups}".encode()))
    dt = DT[dtype]
    w = torch.randn(2, 3, generator=g, dtype=torch.float64).to(dt)
    b = torch.randn(4, generator=g, dtype=torch.float64).to(dt)
    gw = torch.randn(2, 3, generator=g, dtype=torch.float64).to(dt)
    gb = torch.randn(4, generator=g, dtype=torch.float64).to(dt)
    if name == "sparse_adam":
        gw[0, 1] = 0
        gb[2] = 0
    body = {
        "params": {"w": tj(w), "b": tj(b)},
        "grads": {"w": tj(gw), "b": tj(gb)},
        "steps": steps,
        **options,
    }
    pw = w.clone().requires_grad_(True)
    pb = b.clone().requires_grad_(True)
    if groups:
        opt = make(name, [pw], options)
        opt.add_param_group({"params": [pb], "lr": 1e-4})
        body["param_groups"] = [{"params": ["w"]}, {"params": ["b"], "lr": 1e-4}]
    else:
        opt = make(name, [pw, pb], options)
    for _ in range(steps):
        set_grad(name, pw, gw)
        set_grad(name, pb, gb)
        opt.step()
    label = f"{name} {json.dumps(options)} {dtype} x{steps}" + (" with a param group at lr 1e-4" if groups else "")
    return {
        "label": label,
        "url": f"/v1/optimizers/{name}/step",
        "body": body,
        "dtype": dtype,
        "expected": {"params": {"w": tj(pw), "b": tj(pb)}, "state": {"state": state_json(opt, ["w", "b"], [pw, pb])}},
    }


def tensor_in(spec):
    if isinstance(spec, dict):
        t = torch.tensor(spec["data"], dtype=DT[spec.get("dtype", "float32")])
        return t.requires_grad_(bool(spec.get("requires_grad")))
    return torch.tensor(spec, dtype=torch.float32)


def run_program(program, env):
    scope = dict(env)
    exec(program, {"torch": torch}, scope)
    return scope


def loop_case(label, inputs, program, loss_name, optimizer, scheduler, steps, record):
    env = {k: tensor_in(v) for k, v in inputs.items()}
    names = [k for k, v in env.items() if v.requires_grad]
    params = [env[n] for n in names]
    name = optimizer["name"]
    options = {k: v for k, v in optimizer.items() if k != "name"}
    opt = make(name, params, options)
    sched = build_scheduler(scheduler, opt) if scheduler else None
    hist = {"loss": [], "lr": []}
    for r in record:
        hist[r] = []

    def closure():
        opt.zero_grad()
        scope = run_program(program, env)
        loss = scope[loss_name]
        loss.backward()
        if name == "sparse_adam":
            for p in params:
                p.grad = p.grad.to_sparse()
        return loss

    for _ in range(steps):
        hist["lr"].append(opt.param_groups[0]["lr"])
        scope = run_program(program, env)
        for r in record:
            hist[r].append(scope[r].detach().clone().tolist())
        if name == "lbfgs":
            loss = opt.step(closure)
        else:
            loss = closure()
            opt.step()
        hist["loss"].append(float(loss))
        if sched is not None:
            if isinstance(sched, S.ReduceLROnPlateau):
                sched.step(float(loss))
            else:
                sched.step()
    body = {"inputs": inputs, "program": program, "loss": loss_name, "optimizer": optimizer, "steps": steps}
    if scheduler:
        body["scheduler"] = scheduler
    if record:
        body["record"] = record
    return {
        "label": label,
        "url": "/v1/optimize",
        "body": body,
        "dtype": str(params[0].dtype).replace("torch.", ""),
        "expected": {"params": {n: tj(p) for n, p in zip(names, params)}, "history": hist,
                     "state_keys": sorted(state_json(opt, names, params).keys())},
    }


def build_scheduler(spec, opt):
    name = spec["name"]
    kw = {k: v for k, v in spec.items() if k != "name"}
    if name in ("sequential_lr", "chained_scheduler"):
        subs = [build_scheduler(s, opt) for s in kw.pop("schedulers")]
        if name == "chained_scheduler":
            return S.ChainedScheduler(subs)
        return S.SequentialLR(opt, subs, **kw)
    if "max_lr" in kw and isinstance(kw["max_lr"], list):
        kw["max_lr"] = list(kw["max_lr"])
    return SCHEDULERS[name](opt, **kw)


def sched_case(spec, optimizer, steps):
    inputs = {"w": {"data": [1.0, -2.0], "requires_grad": True}, "b": {"data": [0.5], "requires_grad": True}}
    if spec["name"] == "reduce_lr_on_plateau":
        program = "loss = (w * 0).sum() + (b * 0).sum() + 1.0"
    else:
        program = "loss = (w ** 2).sum() + (b ** 2).sum()"
    opt_spec = {"name": optimizer, "lr": 0.1, "param_groups": [{"params": ["w"]}, {"params": ["b"], "lr": 0.01}]}
    # The PyTorch side: two groups as add_param_group makes them.
    env = {k: tensor_in(v) for k, v in inputs.items()}
    opt = CLASSES[optimizer]([env["w"]], lr=0.1)
    opt.add_param_group({"params": [env["b"]], "lr": 0.01})
    sched = build_scheduler(spec, opt)
    hist = {"loss": [], "lr": []}
    for _ in range(steps):
        hist["lr"].append(opt.param_groups[0]["lr"])
        opt.zero_grad()
        loss = run_program(program, env)["loss"]
        loss.backward()
        opt.step()
        hist["loss"].append(float(loss))
        if isinstance(sched, S.ReduceLROnPlateau):
            sched.step(float(loss))
        else:
            sched.step()
    return {
        "label": f"{spec['name']} {json.dumps(spec)} on {optimizer}",
        "url": "/v1/optimize",
        "body": {"inputs": inputs, "program": program, "loss": "loss", "optimizer": opt_spec, "scheduler": spec, "steps": steps},
        "dtype": "float32",
        "expected": {"params": {"w": tj(env["w"]), "b": tj(env["b"])}, "history": {"loss": hist["loss"], "lr": hist["lr"]},
                     "final_lrs": [g["lr"] for g in opt.param_groups]},
    }


def main():
    out = {"step": [], "loop": []}
    for c in C.STEP:
        out["step"].append(step_case(*c))
    for c in C.GROUPS:
        out["step"].append(step_case(*c, groups=True))
    for c in C.LOOP:
        out["loop"].append(loop_case(*c))
    for label, options, steps in C.LBFGS:
        out["loop"].append(loop_case(label, C.ROSEN_INPUTS, C.ROSEN, "f", {"name": "lbfgs", **options}, None, steps, []))
    for spec, optimizer, steps in C.SCHED:
        out["loop"].append(sched_case(spec, optimizer, steps))
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1, sort_keys=False)
        f.write("\n")
    print(f"wrote {OUT}: {len(out['step'])} step cases, {len(out['loop'])} loop cases")


if __name__ == "__main__":
    main()
