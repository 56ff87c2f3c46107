"""Reference evaluator for gradserve programs, on real PyTorch (1.13).

Implements API.md's POST /v1/graph semantics (program language, input tensor forms,
`outputs` / `backward` defaults) with torch, so that generate.py can record what a
faithful service must answer. The program is parsed with `ast` and walked node by node;
nothing is `eval`-ed.
"""
from __future__ import annotations

import ast
import math
from typing import Any

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float32)

DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64, "bool": torch.bool}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}
NONFINITE_IN = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class ProgramSyntaxError(Exception):
    pass


# --------------------------------------------------------------------------- tensors in / out

def _decode_values(v):
    if isinstance(v, list):
        return [_decode_values(e) for e in v]
    if isinstance(v, str):
        return NONFINITE_IN[v]
    return v


def _shape_of(v):
    shape = []
    while isinstance(v, list):
        shape.append(len(v))
        v = v[0] if v else None
    return shape


def tensor_from_json(spec) -> tuple[torch.Tensor, bool]:
    """Returns (tensor, requires_grad) for a request tensor (number, nested arrays, object)."""
    if isinstance(spec, dict):
        dtype = DTYPES[spec.get("dtype", "float32")]
        data = _decode_values(spec["data"])
        t = torch.tensor(data, dtype=dtype)
        if "shape" in spec:
            t = t.reshape(spec["shape"])
        return t, bool(spec.get("requires_grad", False))
    return torch.tensor(_decode_values(spec), dtype=torch.float32), False


def _encode_values(v):
    if isinstance(v, list):
        return [_encode_values(e) for e in v]
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
    return v


def tensor_to_json(t: torch.Tensor) -> dict:
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"output is not a tensor: {type(t).__name__}")
    t = t.detach()
    return {"shape": list(t.shape), "dtype": DTYPE_NAMES[t.dtype], "data": _encode_values(t.tolist())}


# --------------------------------------------------------------------------- op adapters

def _dims(dim):
    return tuple(dim) if isinstance(dim, list) else dim


def _grad(y, x, v=None):
    """d(sum(y * v))/dx, differentiable; zeros when y does not depend on x."""
    if not (isinstance(y, torch.Tensor) and y.requires_grad) or not x.requires_grad:
        return torch.zeros_like(x)
    go = torch.ones_like(y) if v is None else v
    (g,) = torch.autograd.grad(y, x, grad_outputs=go, create_graph=True, allow_unused=True)
    return torch.zeros_like(x) if g is None else g


def _jacobian(y, x):
    flat = y.reshape(-1)
    rows = []
    for i in range(flat.numel()):
        rows.append(_grad(flat[i], x).reshape(-1))
    if not rows:
        return torch.zeros(tuple(y.shape) + tuple(x.shape), dtype=x.dtype)
    return torch.stack(rows).reshape(tuple(y.shape) + tuple(x.shape))


def _hessian(y, x):
    if y.dim() != 0:
        raise RuntimeError("hessian: y must be a scalar")
    return _jacobian(_grad(y, x), x)


def _jvp(y, x, u):
    # double-vjp trick: g(v) = J^T v is linear in v, so d<g(v), u>/dv = J u
    v = torch.zeros_like(y, requires_grad=True)
    g = _grad(y, x, v)
    return _grad(g, v, u)


def _hvp(y, x, v):
    if y.dim() != 0:
        raise RuntimeError("hvp: y must be a scalar")
    return _grad(_grad(y, x), x, v)


def _reduce(fn):
    def r(x, dim=None, keepdim=False, **kw):
        if dim is None:
            out = fn(x, **kw)
            if keepdim:
                out = out.reshape([1] * x.dim())
            return out
        return fn(x, dim=_dims(dim), keepdim=keepdim, **kw)
    return r


def _prod(x, dim=None, keepdim=False, dtype=None):
    if dim is None:
        out = torch.prod(x)
        return out.reshape([1] * x.dim()) if keepdim else out
    if isinstance(dim, list):  # torch 1.13 prod takes one dim; reduce one after another
        out = x
        for d in sorted((d % x.dim() for d in dim), reverse=True):
            out = torch.prod(out, d, keepdim=keepdim)
        return out
    return torch.prod(x, dim, keepdim=keepdim)


def _maxmin(fn, elementwise):
    def m(x, dim=None, keepdim=False, other=None):
        if isinstance(dim, torch.Tensor):
            other, dim = dim, None
        if other is not None:
            return elementwise(x, other)
        if dim is None:
            return fn(x)
        return fn(x, dim, keepdim=keepdim).values
    return m


def _argm(fn):
    def a(x, dim=None, keepdim=False):
        return fn(x, dim=dim, keepdim=keepdim) if dim is not None else fn(x)
    return a


def _norm(x, p="fro", dim=None, keepdim=False, dtype=None):
    if p == "inf":
        p = math.inf
    return torch.norm(x, p=p, dim=_dims(dim), keepdim=keepdim)


def _var_std(fn):
    def v(x, dim=None, unbiased=True, keepdim=False, correction=None):
        if correction is not None:
            return fn(x, dim=_dims(dim), correction=correction, keepdim=keepdim)
        if dim is None:
            out = fn(x, unbiased=unbiased)
            return out.reshape([1] * x.dim()) if keepdim else out
        return fn(x, _dims(dim), unbiased=unbiased, keepdim=keepdim)
    return v


def _size(args):
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        return list(args[0])
    return list(args)


def _dt(dtype):
    return DTYPES[dtype] if isinstance(dtype, str) else dtype


def _creation(fn):
    def c(*size, dtype=None, **kw):
        return fn(_size(size), dtype=_dt(dtype), **kw)
    return c


def _full(size, fill_value, dtype=None):
    return torch.full(list(size) if isinstance(size, (list, tuple)) else [size], fill_value, dtype=_dt(dtype))


def _like(fn):
    def c(x, dtype=None):
        return fn(x, dtype=_dt(dtype))
    return c


def _arange(start, end=None, step=1, dtype=None):
    if end is None:
        return torch.arange(start, dtype=_dt(dtype))
    return torch.arange(start, end, step, dtype=_dt(dtype))


def _linspace(start, end, steps, dtype=None):
    return torch.linspace(start, end, steps, dtype=_dt(dtype))


def _eye(n, m=None, dtype=None):
    return torch.eye(n, m if m is not None else n, dtype=_dt(dtype))


def _method_size(fn):
    def s(x, *size):
        return fn(x, _size(size))
    return s


def _tensor_arg(x, like):
    return x


def _as_index(t):
    """API.md: arguments PyTorch requires as integers accept integer-valued floats (cast to int64)."""
    if isinstance(t, torch.Tensor) and t.is_floating_point() and bool(torch.all(t == torch.round(t))) \
            and bool(torch.all(torch.isfinite(t))):
        return t.long()
    return t


def _class_target(fn):
    """cross_entropy/nll_loss: a float target of the class-index shape holds class indices."""
    def f(input, target, *args, **kwargs):
        if isinstance(target, torch.Tensor) and target.is_floating_point() and target.shape != input.shape:
            target = _as_index(target)
        return fn(input, target, *args, **kwargs)
    return f


def _index_target(fn):
    def f(input, target, *args, **kwargs):
        return fn(input, _as_index(target), *args, **kwargs)
    return f


def _ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    il = _as_index(input_lengths if isinstance(input_lengths, torch.Tensor) else torch.tensor(input_lengths))
    tl = _as_index(target_lengths if isinstance(target_lengths, torch.Tensor) else torch.tensor(target_lengths))
    return F.ctc_loss(log_probs, _as_index(targets), il, tl, blank=blank, reduction=reduction, zero_infinity=zero_infinity)


DISTANCES = {
    None: None,
    "pairwise": F.pairwise_distance,
    "cosine": lambda a, b: 1.0 - F.cosine_similarity(a, b),
}


def _triplet_with_distance(anchor, positive, negative, distance_function=None, margin=1.0, swap=False, reduction="mean"):
    if distance_function not in DISTANCES:
        raise ValueError(f"unknown distance_function {distance_function!r}")
    return F.triplet_margin_with_distance_loss(anchor, positive, negative, distance_function=DISTANCES[distance_function],
                                               margin=margin, swap=swap, reduction=reduction)


OPS: dict[str, Any] = {
    # arithmetic
    "add": lambda x, y, alpha=1: torch.add(x, y, alpha=alpha),
    "sub": lambda x, y, alpha=1: torch.sub(x, y, alpha=alpha),
    "mul": torch.mul,
    "div": lambda x, y, rounding_mode=None: torch.div(x, y, rounding_mode=rounding_mode),
    "neg": torch.neg,
    "pow": torch.pow,
    "matmul": torch.matmul,
    "abs": torch.abs, "exp": torch.exp, "log": torch.log, "log1p": torch.log1p,
    "sqrt": torch.sqrt, "rsqrt": torch.rsqrt, "sin": torch.sin, "cos": torch.cos,
    "reciprocal": torch.reciprocal, "square": torch.square, "sign": torch.sign,
    # rounding and clipping
    "floor": torch.floor, "ceil": torch.ceil, "trunc": torch.trunc, "frac": torch.frac,
    "round": lambda x, decimals=0: torch.round(x, decimals=decimals),
    "clamp": lambda x, min=None, max=None: torch.clamp(x, min=min, max=max),
    # reductions
    "sum": _reduce(torch.sum), "mean": _reduce(torch.mean), "prod": _prod,
    "max": _maxmin(torch.max, torch.maximum), "min": _maxmin(torch.min, torch.minimum),
    "amax": lambda x, dim=[], keepdim=False: torch.amax(x, dim=_dims(dim) if dim is not None else (), keepdim=keepdim),
    "amin": lambda x, dim=[], keepdim=False: torch.amin(x, dim=_dims(dim) if dim is not None else (), keepdim=keepdim),
    "argmax": _argm(torch.argmax), "argmin": _argm(torch.argmin),
    "norm": _norm, "var": _var_std(torch.var), "std": _var_std(torch.std),
    "logsumexp": lambda x, dim, keepdim=False: torch.logsumexp(x, _dims(dim), keepdim=keepdim),
    "topk": lambda x, k, dim=-1, largest=True, sorted=True: torch.topk(x, k, dim, largest, sorted).values,
    "topk_indices": lambda x, k, dim=-1, largest=True, sorted=True: torch.topk(x, k, dim, largest, sorted).indices,
    "kthvalue": lambda x, k, dim=-1, keepdim=False: torch.kthvalue(x, k, dim, keepdim).values,
    "kthvalue_indices": lambda x, k, dim=-1, keepdim=False: torch.kthvalue(x, k, dim, keepdim).indices,
    # shape
    "reshape": _method_size(torch.reshape),
    "view": lambda x, *size: x.view(_size(size)),
    "flatten": lambda x, start_dim=0, end_dim=-1: torch.flatten(x, start_dim, end_dim),
    "squeeze": lambda x, dim=None: torch.squeeze(x) if dim is None else torch.squeeze(x, dim),
    "unsqueeze": torch.unsqueeze,
    "transpose": torch.transpose,
    "permute": _method_size(torch.permute),
    "t": torch.t,
    "expand": lambda x, *size: x.expand(_size(size)),
    "repeat": lambda x, *size: x.repeat(_size(size)),
    "cat": lambda tensors, dim=0: torch.cat(tensors, dim),
    "stack": lambda tensors, dim=0: torch.stack(tensors, dim),
    "split": lambda x, split_size_or_sections, dim=0: list(torch.split(x, split_size_or_sections, dim)),
    "chunk": lambda x, chunks, dim=0: list(torch.chunk(x, chunks, dim)),
    "narrow": torch.narrow,
    "index_select": torch.index_select,
    "gather": lambda x, dim, index: torch.gather(x, dim, index),
    "where": torch.where,
    # activations
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": F.relu,
    "leaky_relu": lambda x, negative_slope=0.01: F.leaky_relu(x, negative_slope),
    "elu": lambda x, alpha=1.0: F.elu(x, alpha),
    "selu": F.selu,
    "celu": lambda x, alpha=1.0: F.celu(x, alpha),
    "gelu": lambda x, approximate="none": F.gelu(x, approximate=approximate),
    "silu": F.silu, "mish": F.mish,
    "softplus": lambda x, beta=1, threshold=20: F.softplus(x, beta, threshold),
    "softsign": F.softsign,
    "hardtanh": lambda x, min_val=-1.0, max_val=1.0: F.hardtanh(x, min_val, max_val),
    "hardsigmoid": F.hardsigmoid, "hardswish": F.hardswish, "relu6": F.relu6,
    "logsigmoid": F.logsigmoid,
    "softmax": lambda x, dim: F.softmax(x, dim=dim),
    "log_softmax": lambda x, dim: F.log_softmax(x, dim=dim),
    "softmin": lambda x, dim: F.softmin(x, dim=dim),
    # losses (torch.nn.functional names and arguments)
    "mse_loss": F.mse_loss, "l1_loss": F.l1_loss, "smooth_l1_loss": F.smooth_l1_loss,
    "huber_loss": F.huber_loss, "cross_entropy": _class_target(F.cross_entropy), "nll_loss": _class_target(F.nll_loss),
    "binary_cross_entropy": F.binary_cross_entropy,
    "binary_cross_entropy_with_logits": F.binary_cross_entropy_with_logits,
    "poisson_nll_loss": F.poisson_nll_loss, "gaussian_nll_loss": F.gaussian_nll_loss,
    "kl_div": F.kl_div, "margin_ranking_loss": F.margin_ranking_loss,
    "multilabel_margin_loss": _index_target(F.multilabel_margin_loss), "soft_margin_loss": F.soft_margin_loss,
    "multilabel_soft_margin_loss": F.multilabel_soft_margin_loss,
    "multi_margin_loss": _index_target(F.multi_margin_loss), "triplet_margin_loss": F.triplet_margin_loss,
    "hinge_embedding_loss": F.hinge_embedding_loss,
    "cosine_embedding_loss": F.cosine_embedding_loss, "ctc_loss": _ctc_loss,
    "triplet_margin_with_distance_loss": _triplet_with_distance,
    "pairwise_distance": lambda x1, x2, p=2.0, eps=1e-6, keepdim=False: F.pairwise_distance(x1, x2, p, eps, keepdim),
    "cosine_similarity": lambda x1, x2, dim=1, eps=1e-8: F.cosine_similarity(x1, x2, dim, eps),
    # creation
    "zeros": _creation(torch.zeros), "ones": _creation(torch.ones), "full": _full,
    "zeros_like": _like(torch.zeros_like), "ones_like": _like(torch.ones_like),
    "arange": _arange, "linspace": _linspace, "eye": _eye,
    # autograd
    "grad": _grad, "vjp": _grad, "jacobian": _jacobian, "hessian": _hessian,
    "jvp": _jvp, "hvp": _hvp, "detach": lambda x: x.detach(),
}

CONSTANTS = {"true": True, "false": False, "True": True, "False": False,
             "None": None, "null": None, "inf": math.inf}

BINOPS = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.MatMult: lambda a, b: a @ b, ast.Pow: lambda a, b: a ** b,
}
CMPOPS = {
    ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b, ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
}


# --------------------------------------------------------------------------- program

def parse_program(src: str) -> list[tuple[str, ast.expr]]:
    try:
        tree = ast.parse(src, mode="exec")
    except SyntaxError as e:
        raise ProgramSyntaxError(f"{e.msg} (line {e.lineno}, column {e.offset})") from None
    stmts = []
    for st in tree.body:
        if not (isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name)):
            raise ProgramSyntaxError(f"expected `name = expression` at line {st.lineno}")
        stmts.append((st.targets[0].id, st.value))
    return stmts


def _eval(node, env):
    ev = lambda n: _eval(n, env)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        raise NameError(f"unknown tensor name '{node.id}'")
    if isinstance(node, ast.List):
        return [ev(e) for e in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(ev(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp):
        v = ev(node.operand)
        if isinstance(node.op, ast.USub):
            return -v
        if isinstance(node.op, ast.UAdd):
            return v
        raise ProgramSyntaxError("unsupported unary operator")
    if isinstance(node, ast.BinOp):
        return BINOPS[type(node.op)](ev(node.left), ev(node.right))
    if isinstance(node, ast.Compare):
        if len(node.ops) != 1:
            raise ProgramSyntaxError("chained comparisons are not supported")
        return CMPOPS[type(node.ops[0])](ev(node.left), ev(node.comparators[0]))
    if isinstance(node, ast.Call):
        args = [ev(a) for a in node.args]
        kwargs = {k.arg: ev(k.value) for k in node.keywords}
        if isinstance(node.func, ast.Name):
            name = node.func.id
        elif isinstance(node.func, ast.Attribute):
            name = node.func.attr
            args = [ev(node.func.value)] + args
        else:
            raise ProgramSyntaxError("bad call")
        if name not in OPS:
            raise KeyError(f"unknown op '{name}'")
        return OPS[name](*args, **kwargs)
    if isinstance(node, ast.Attribute):
        if node.attr == "T":
            x = ev(node.value)
            return x.permute(*reversed(range(x.dim())))
        raise ProgramSyntaxError(f"unknown attribute '{node.attr}'")
    if isinstance(node, ast.Subscript):
        obj = ev(node.value)
        return obj[_eval_index(node.slice, env)]
    if isinstance(node, ast.Slice):
        return _eval_index(node, env)
    raise ProgramSyntaxError(f"unsupported expression {type(node).__name__}")


def _eval_index(node, env):
    if isinstance(node, ast.Slice):
        f = lambda n: None if n is None else _eval(n, env)
        return slice(f(node.lower), f(node.upper), f(node.step))
    if isinstance(node, ast.Tuple):
        return tuple(_eval_index(e, env) for e in node.elts)
    if isinstance(node, ast.Constant) and node.value is Ellipsis:
        return Ellipsis
    if hasattr(ast, "Index") and isinstance(node, ast.Index):  # python < 3.9
        return _eval_index(node.value, env)
    return _eval(node, env)


# --------------------------------------------------------------------------- request

def evaluate(req: dict) -> dict:
    """Evaluates a POST /v1/graph body; returns the 200 response body. Raises on error."""
    env: dict[str, Any] = {}
    requires: list[str] = []
    for name, spec in req["inputs"].items():
        t, rg = tensor_from_json(spec)
        if rg:
            t.requires_grad_(True)  # raises for integer dtypes, as PyTorch does
            requires.append(name)
        env[name] = t
    stmts = parse_program(req["program"])
    for name, expr in stmts:
        env[name] = _eval(expr, env)
    outputs = req.get("outputs") or [stmts[-1][0]]
    for o in outputs:
        if o not in env:
            raise NameError(f"unknown tensor name '{o}'")
    resp = {"outputs": {o: tensor_to_json(env[o]) for o in outputs}}

    bw = req.get("backward")
    if bw is None and requires:
        bw = {"of": outputs[-1]}
    if bw is not None:
        of = env[bw["of"]]
        wrt = bw.get("wrt") or requires
        go = None
        if bw.get("grad_output") is not None:
            go, _ = tensor_from_json(bw["grad_output"])
            if go.shape != of.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {tuple(go.shape)} and output[0] has a shape of {tuple(of.shape)}.")
        elif of.dim() != 0 or of.numel() != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        targets = [env[w] for w in wrt]
        if of.requires_grad:
            gs = torch.autograd.grad(of, targets, grad_outputs=go, allow_unused=True, retain_graph=True)
        else:
            gs = [None] * len(targets)
        resp["grads"] = {w: tensor_to_json(torch.zeros_like(t) if g is None else g)
                         for w, t, g in zip(wrt, targets, gs)}
    return resp


def scalar_objective(req: dict, fd: dict):
    """Re-evaluates the case in float64 and returns (env, f, wrt tensors) for the fd Hessian."""
    env: dict[str, Any] = {}
    for name, spec in req["inputs"].items():
        t, rg = tensor_from_json(spec)
        if rg:
            t.requires_grad_(True)
        env[name] = t
    for name, expr in parse_program(req["program"]):
        env[name] = _eval(expr, env)
    f = env[fd["of"]]
    if fd.get("grad_output") is not None:
        go, _ = tensor_from_json(fd["grad_output"])
        f = (f * go).sum()
    return env, f, [env[w] for w in fd["wrt"]]
