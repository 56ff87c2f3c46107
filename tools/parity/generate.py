#!/usr/bin/env python3
"""Generates test/fixtures/graph-parity.json and test/fixtures/activations-parity.json
from tools/parity/cases.py with real PyTorch.

Run from the repository root (torch 1.13 is installed for the system Python only):

    /usr/bin/python3 tools/parity/generate.py

Deterministic: no randomness, single-threaded torch, sorted/stable output; rerunning
gives the same file. For every case the fixture holds the request (program form), the
`nodes` form when the program is simple enough to translate, the expected 200 response
(API.md's format: {"outputs": {name: {shape, dtype, data}}, "grads": {...}}), the
tolerances, and for `fd` cases what fd-gradcheck.test.ts needs (objective, wrt inputs and,
for `fd2`, the Hessian blocks). Requests PyTorch rejects go to `errors` with the status
API.md gives and PyTorch's message.
"""
from __future__ import annotations

import ast
import copy
import json
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import torch  # noqa: E402

import cases as case_defs  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from evaluator import (DTYPE_NAMES, DTYPES, ProgramSyntaxError, evaluate, parse_program,  # noqa: E402
                       scalar_objective, tensor_from_json, tensor_to_json, _eval)

torch.set_num_threads(1)
torch.set_default_dtype(torch.float32)
warnings.filterwarnings("ignore")

OUT = os.path.join(ROOT, "test", "fixtures", "graph-parity.json")
OUT_ACT = os.path.join(ROOT, "test", "fixtures", "activations-parity.json")
TOL = {"float32": {"rtol": 2e-4, "atol": 1e-5}, "float64": {"rtol": 1e-8, "atol": 1e-10}}
PATTERN = [0.75, -0.25, 1.25, 0.5, -1.0, 0.25, 1.5, -0.5]


def _auto_grad_output(req: dict) -> None:
    """Replaces backward.grad_output == "auto" by a fixed tensor of the shape of `of`."""
    bw = req.get("backward")
    if not bw or bw.get("grad_output") != case_defs.AUTO:
        return
    env = {}
    for name, spec in req["inputs"].items():
        t, rg = tensor_from_json(spec)
        env[name] = t.requires_grad_(rg)
    for name, expr in parse_program(req["program"]):
        env[name] = _eval(expr, env)
    of = env[bw["of"]]
    n = of.numel()
    flat = [PATTERN[i % len(PATTERN)] for i in range(n)]
    data = torch.tensor(flat, dtype=torch.float64).reshape(of.shape).tolist()
    dt = DTYPE_NAMES[of.dtype]
    bw["grad_output"] = data if dt == "float32" else {"data": data, "dtype": dt}


# --------------------------------------------------------------------------- nodes form

class NotSimple(Exception):
    pass


BIN_OPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.MatMult: "matmul", ast.Pow: "pow"}


DTYPE_FROM_LITERAL = {"arange", "full", "linspace", "zeros", "ones", "eye", "add", "sub", "mul", "div", "pow"}


def _has_integral_float(vals) -> bool:
    for v in vals:
        if isinstance(v, list) and _has_integral_float(v):
            return True
        if isinstance(v, float) and v.is_integer():
            return True
    return False


def to_nodes(program: str, known: set[str], int_inputs: bool = False):
    """Translates a simple program to API.md's node list; raises NotSimple otherwise.

    Simple: calls, methods, binary arithmetic and unary minus, whose arguments are names,
    numbers, booleans/None, non-positional strings and lists of numbers. Nested expressions
    become temporaries named `_t1`, `_t2`, ...
    """
    nodes: list[dict] = []
    names = set(known)
    counter = [0]
    consts = {"true": True, "false": False, "True": True, "False": False, "None": None, "null": None}

    def literal(n):
        if isinstance(n, ast.Constant) and (n.value is None or isinstance(n.value, (bool, int, float))):
            return n.value
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub) and isinstance(n.operand, ast.Constant) \
                and isinstance(n.operand.value, (int, float)) and not isinstance(n.operand.value, bool):
            return -n.operand.value
        if isinstance(n, ast.Name) and n.id in consts and n.id not in names:
            return consts[n.id]
        if isinstance(n, ast.List):
            vals = [literal(e) for e in n.elts]
            if any(isinstance(v, str) for v in vals):
                raise NotSimple("list of names")
            return vals
        raise NotSimple("not a literal")

    def arg(n):
        """A positional argument: a tensor name (string) or a literal."""
        if isinstance(n, ast.Name) and n.id in names:
            return n.id
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            raise NotSimple("positional string")
        try:
            return literal(n)
        except NotSimple:
            pass
        return emit(n, None)

    def kwarg(n):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            return n.value
        if isinstance(n, ast.Name) and n.id in names:
            return n.id
        return literal(n)

    def emit(n, target):
        if isinstance(n, ast.Call):
            if isinstance(n.func, ast.Name):
                op, args = n.func.id, []
            elif isinstance(n.func, ast.Attribute):
                op, args = n.func.attr, [arg(n.func.value)]
            else:
                raise NotSimple("call")
            args += [arg(a) for a in n.args]
            kwargs = {k.arg: kwarg(k.value) for k in n.keywords}
            if any(isinstance(v, str) and v in names for v in kwargs.values()):
                raise NotSimple("tensor-valued keyword argument")  # a string there could be a name or a literal
        elif isinstance(n, ast.BinOp) and type(n.op) in BIN_OPS:
            op, args, kwargs = BIN_OPS[type(n.op)], [arg(n.left), arg(n.right)], {}
            if all(not isinstance(a, str) for a in args):
                raise NotSimple("constant expression")
        elif isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            op, args, kwargs = "neg", [arg(n.operand)], {}
        else:
            raise NotSimple(type(n).__name__)
        if _has_integral_float(args) or _has_integral_float(list(kwargs.values())):
            # JSON does not keep 1.0 apart from 1 (JavaScript re-serialises it as 1), so a
            # literal whose int/float kind decides a dtype cannot be written in nodes form.
            if op in DTYPE_FROM_LITERAL or int_inputs:
                raise NotSimple("integral float literal")
        if target is None:
            counter[0] += 1
            target = f"_t{counter[0]}"
        node = {"id": target, "op": op, "args": args}
        if kwargs:
            node["kwargs"] = kwargs
        nodes.append(node)
        names.add(target)
        return target

    for name, expr in parse_program(program):
        if isinstance(expr, ast.Name):
            raise NotSimple("alias")
        emit(expr, name)
    return nodes


# --------------------------------------------------------------------------- fd data

def fd_info(req: dict, with_hessian: bool):
    bw = req.get("backward")
    rg = [k for k, v in req["inputs"].items() if isinstance(v, dict) and v.get("requires_grad")]
    outputs = req.get("outputs") or [parse_program(req["program"])[-1][0]]
    of = bw["of"] if bw else outputs[-1]
    wrt = [w for w in ((bw or {}).get("wrt") or rg) if w in req["inputs"]]
    info = {"of": of, "wrt": wrt, "grad_output": (bw or {}).get("grad_output")}
    if with_hessian:
        env, f, xs = scalar_objective(req, info)
        grads = torch.autograd.grad(f, xs, create_graph=True, allow_unused=True)
        hess = {}
        for wj, xj, gj in zip(wrt, xs, grads):
            hess[wj] = {}
            for wi, xi in zip(wrt, xs):
                rows = []
                gflat = gj.reshape(-1) if gj is not None else None
                for k in range(xj.numel()):
                    if gflat is None or not gflat[k].requires_grad:
                        rows.append([0.0] * xi.numel())
                        continue
                    (h,) = torch.autograd.grad(gflat[k], xi, retain_graph=True, allow_unused=True)
                    rows.append([0.0] * xi.numel() if h is None else h.reshape(-1).tolist())
                hess[wj][wi] = rows  # [numel(wj)][numel(wi)]: d grad_wj[k] / d wi[e]
        info["hessian"] = hess
    return info


# --------------------------------------------------------------------------- activations

ACT_RESERVED = {"input", "grad_output", "jacobian", "encoding"}


def _act_fn(name):
    """torch.nn.functional's function for an activation name (torch.* for sigmoid and tanh)."""
    return {"sigmoid": torch.sigmoid, "tanh": torch.tanh}.get(name) or getattr(F, name)


def evaluate_activation(name: str, body: dict) -> dict:
    """What POST /v1/activations/{name} must answer: output, grad (of sum(output) or with
    grad_output, as y.backward(grad_output) gives) and, when asked, the full Jacobian."""
    x, _ = tensor_from_json(body["input"])
    x.requires_grad_(True)
    opts = {k: v for k, v in body.items() if k not in ACT_RESERVED}
    if "dtype" in opts:
        opts["dtype"] = DTYPES[opts["dtype"]]
    fn = _act_fn(name)
    y = fn(x, **opts)
    if "grad_output" in body:
        g, _ = tensor_from_json(body["grad_output"])
    else:
        g = torch.ones_like(y)
    (grad,) = torch.autograd.grad(y, x, g)
    out = {"output": tensor_to_json(y), "grad": tensor_to_json(grad)}
    if body.get("jacobian"):
        J = torch.autograd.functional.jacobian(lambda t: fn(t, **opts), x.detach())
        out["jacobian"] = tensor_to_json(J)
    return out


def generate_activations() -> None:
    out = []
    for c in case_defs.ACTIVATION_CASES:
        body = copy.deepcopy(c["request"])
        expected = evaluate_activation(c["activation"], body)
        out.append({"name": c["name"], "activation": c["activation"], "request": body, "expected": expected,
                    "tol": {k: {**TOL[k], **(c["tol"] or {}).get(k, {})} for k in TOL}, "note": c["note"]})
    names = [c["name"] for c in out]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise SystemExit(f"duplicate activation case names: {sorted(dup)}")
    fixture = {"generator": "tools/parity/generate.py", "torch_version": torch.__version__,
               "tolerances": TOL, "cases": out}
    with open(OUT_ACT, "w") as f:
        json.dump(fixture, f, indent=1, allow_nan=False)
        f.write("\n")
    acts = sorted({c["activation"] for c in out})
    print(f"{len(out)} activation cases over {len(acts)} activations -> {os.path.relpath(OUT_ACT, ROOT)}")


# --------------------------------------------------------------------------- main

def main() -> None:
    out_cases = []
    failures = []
    for c in case_defs.CASES:
        req = copy.deepcopy(c["request"])
        try:
            _auto_grad_output(req)
            expected = evaluate(req)
        except Exception as e:  # a case must succeed in PyTorch
            failures.append(f"case {c['name']} failed in PyTorch: {type(e).__name__}: {e}")
            continue
        entry = {"name": c["name"], "family": c["family"], "request": req, "expected": expected,
                 "tol": c["tol"] or {}, "note": c["note"]}
        entry["tol"] = {k: {**TOL[k], **(c["tol"] or {}).get(k, {})} for k in TOL}
        if c["nodes"]:
            try:
                int_inputs = any(isinstance(v, dict) and v.get("dtype") in ("int64", "bool")
                                 for v in req["inputs"].values())
                nodes = to_nodes(req["program"], set(req["inputs"]), int_inputs)
                nreq = {k: v for k, v in req.items() if k != "program"}
                nreq["nodes"] = nodes
                entry["nodes_request"] = nreq
            except (NotSimple, ProgramSyntaxError):
                pass
        if c["fd"]:
            info = fd_info(req, c["fd2"])
            if info["wrt"]:
                entry["fd"] = info
        out_cases.append(entry)

    if failures:
        raise SystemExit("\n".join(failures))
    out_errors = []
    for e in case_defs.ERRORS:
        msg = None
        try:
            evaluate(copy.deepcopy(e["request"]))
        except Exception as ex:  # noqa: BLE001
            msg = str(ex).split("\n")[0]
            kind = type(ex).__name__
        else:
            raise SystemExit(f"error case {e['name']} was accepted by PyTorch")
        out_errors.append({"name": e["name"], "request": e["request"], "status": e["status"],
                           "torch_error": {"type": kind, "message": msg} if e["torch_rejects"] else None,
                           "note": e["note"]})

    names = [c["name"] for c in out_cases] + [e["name"] for e in out_errors]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise SystemExit(f"duplicate case names: {sorted(dup)}")

    fixture = {
        "generator": "tools/parity/generate.py",
        "torch_version": torch.__version__,
        "tolerances": TOL,
        "cases": out_cases,
        "errors": out_errors,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1, allow_nan=False)
        f.write("\n")
    fams: dict[str, int] = {}
    for c in out_cases:
        fams[c["family"]] = fams.get(c["family"], 0) + 1
    print(f"{len(out_cases)} cases ({sum('nodes_request' in c for c in out_cases)} with nodes form, "
          f"{sum('fd' in c for c in out_cases)} fd), {len(out_errors)} error cases -> {os.path.relpath(OUT, ROOT)}")
    for k, v in sorted(fams.items()):
        print(f"  {k:12s} {v}")
    generate_activations()


if __name__ == "__main__":
    main()
