#!/usr/bin/python3
"""PyTorch answers for POST /v1/losses/{name} -> test/fixtures/losses-parity.json.

Run with Debian's torch: /usr/bin/python3 tools/parity/losses_generate.py
Each case is a request body exactly as a client sends it; the expected answer is
torch.nn.functional.<name>(**arguments) and the gradients PyTorch gives for
every floating tensor argument it can differentiate (found by asking autograd
with allow_unused=True, dropping arguments PyTorch refuses), float32 and
float64, every reduction. The service must return exactly those gradients.
"""
import copy
import json
import math
import os

import torch
import torch.nn.functional as F

# Arguments that are integer-valued in PyTorch (class indices, labels, lengths).
INT_ARGS = {
    "nll_loss": {"target"},
    "multi_margin_loss": {"target"},
    "multilabel_margin_loss": {"target"},
    "ctc_loss": {"targets", "input_lengths", "target_lengths"},
}
# Class weights are not differentiated by default (nll_loss refuses them).
NEVER_DEFAULT = {"weight", "pos_weight"}
TENSOR_ARGS = {"input", "target", "weight", "pos_weight", "var", "input1", "input2", "anchor", "positive", "negative",
               "log_probs", "targets", "input_lengths", "target_lengths"}

probs = [[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]]
BASE = {
    "cross_entropy": [
        {"input": [[1, 2], [1, 3], [1, 3]], "target": [0, 1, 1]},
        {"input": [[1, 2], [1, 3], [1, 3]], "target": [0, 1, 1], "weight": [1, 2]},
        {"input": [[1.0, 2.0, 0.5], [0.1, 0.3, 2.0]], "target": [2, 0], "label_smoothing": 0.1},
        {"input": [[1.0, 2.0, 0.5], [0.1, 0.3, 2.0]], "target": [2, -100], "ignore_index": -100},
        {"input": [[1.0, 2.0, 0.5], [0.1, 0.3, 2.0]], "target": probs},
    ],
    "nll_loss": [{"input": [[-1.2, -0.4, -2.0], [-0.3, -1.5, -2.2]], "target": [1, 0], "weight": [1.0, 2.0, 0.5]}],
    "binary_cross_entropy": [{"input": [0.8, 0.2, 0.6], "target": [1.0, 0.0, 1.0], "weight": [1.0, 2.0, 0.5]}],
    "binary_cross_entropy_with_logits": [
        {"input": [[0.5, -1.0], [2.0, 0.3]], "target": [[1.0, 0.0], [1.0, 1.0]], "pos_weight": [3.0, 3.0]},
        {"input": [[0.5, -1.0], [2.0, 0.3]], "target": [[1.0, 0.0], [0.2, 0.7]]},
    ],
    "l1_loss": [{"input": [1.0, 2.0, 3.5], "target": [1.5, 2.0, 5.0]}],
    "mse_loss": [{"input": [1.0, 2.0, 3.5], "target": [1.5, 2.0, 5.0]}],
    "smooth_l1_loss": [{"input": [1.0, 2.0, 3.5], "target": [1.5, 2.2, 5.0], "beta": 0.5}],
    "huber_loss": [{"input": [1.0, 2.0, 3.5], "target": [1.5, 2.2, 5.0], "delta": 0.5}],
    "poisson_nll_loss": [
        {"input": [0.5, 1.0, 1.5], "target": [1.0, 2.0, 3.0], "log_input": True, "full": True},
        {"input": [0.5, 1.0, 1.5], "target": [1.0, 2.0, 3.0], "log_input": False},
    ],
    "gaussian_nll_loss": [{"input": [0.5, 1.0, 1.5], "target": [1.0, 2.0, 3.0], "var": [0.5, 1.0, 2.0], "full": True}],
    "kl_div": [
        {"input": [[-1.2, -0.8, -1.4], [-0.5, -2.3, -1.2]], "target": probs, "reduction": "batchmean"},
        {"input": [[-1.2, -0.8, -1.4], [-0.5, -2.3, -1.2]], "target": [[-1.6, -0.7, -1.2], [-0.5, -2.3, -1.2]], "log_target": True},
    ],
    "margin_ranking_loss": [{"input1": [0.8, 0.2, 0.5], "input2": [0.3, 0.6, 0.45], "target": [1.0, -1.0, 1.0], "margin": 0.1}],
    "hinge_embedding_loss": [{"input": [0.3, 1.5, 0.2], "target": [1.0, -1.0, -1.0], "margin": 1.0}],
    "soft_margin_loss": [{"input": [0.3, -1.5, 0.2], "target": [1.0, -1.0, -1.0]}],
    "cosine_embedding_loss": [{"input1": [[1.0, 2.0, 3.0], [1.0, 0.0, 1.0]], "input2": [[1.0, 2.0, 2.0], [-1.0, 0.5, 1.0]], "target": [1.0, -1.0], "margin": 0.1}],
    "multilabel_margin_loss": [{"input": [[0.1, 0.2, 0.4, 0.8]], "target": [[3, 0, -1, 1]]}],
    "multilabel_soft_margin_loss": [{"input": [[0.1, -0.2, 0.4]], "target": [[1.0, 0.0, 1.0]], "weight": [1.0, 2.0, 0.5]}],
    "multi_margin_loss": [
        {"input": [[0.1, 0.2, 0.4, 0.8], [0.3, 0.2, 0.1, 0.0]], "target": [3, 1], "p": 1, "margin": 1.0},
        {"input": [[0.1, 0.2, 0.4, 0.8], [0.3, 0.2, 0.1, 0.0]], "target": [3, 1], "p": 2, "weight": [1.0, 2.0, 1.0, 0.5]},
    ],
    "triplet_margin_loss": [{"anchor": [[0.1, 0.2], [0.5, 0.4]], "positive": [[0.2, 0.1], [0.6, 0.2]], "negative": [[0.3, 0.35], [0.1, 0.9]], "margin": 1.0, "p": 2.0, "swap": True}],
    "triplet_margin_with_distance_loss": [{"anchor": [[0.1, 0.2], [0.5, 0.4]], "positive": [[0.2, 0.1], [0.6, 0.2]], "negative": [[0.9, 0.8], [0.1, 0.9]]}],
    "ctc_loss": [{
        "log_probs": [[[-1.2, -0.9, -1.2]], [[-1.0, -1.3, -1.0]], [[-0.9, -1.2, -1.2]], [[-1.1, -1.1, -1.1]]],
        "targets": [[1, 2]], "input_lengths": [4], "target_lengths": [2],
    }],
}


def torch_args(name, body, dtype):
    args = {}
    for k, v in body.items():
        if k in TENSOR_ARGS:
            if k in INT_ARGS.get(name, set()) or (name == "cross_entropy" and k == "target" and not isinstance(v[0], list)):
                args[k] = torch.tensor(v, dtype=torch.long)
            else:
                args[k] = torch.tensor(v, dtype=dtype)
        elif name == "triplet_margin_with_distance_loss" and k == "distance_function":
            args[k] = None if v == "pairwise" else (lambda a, b: 1 - F.cosine_similarity(a, b))
        else:
            args[k] = v
    return args


def differentiable(name, args):
    """PyTorch's differentiable floating tensor arguments (with their grads)."""
    cand = [k for k, v in args.items() if torch.is_tensor(v) and v.is_floating_point() and k not in NEVER_DEFAULT]
    while True:
        call = {k: (v.detach().clone().requires_grad_(k in cand) if torch.is_tensor(v) else v) for k, v in args.items()}
        try:
            out = getattr(F, name)(**call)
            go = torch.ones_like(out)
            grads = torch.autograd.grad(out, [call[k] for k in cand], grad_outputs=go, allow_unused=True) if cand else []
            return out, {k: g for k, g in zip(cand, grads) if g is not None}
        except RuntimeError as e:
            refused = [k for k in cand if f"argument '{k}'" in str(e) or (k == "target" and "argument 'target'" in str(e))]
            if not refused:
                raise
            cand = [k for k in cand if k not in refused]


def to_json(t):
    def enc(x):
        if isinstance(x, list):
            return [enc(y) for y in x]
        if isinstance(x, float):
            if math.isnan(x):
                return "NaN"
            if math.isinf(x):
                return "Infinity" if x > 0 else "-Infinity"
        return x
    dt = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64"}[t.dtype]
    return {"shape": list(t.shape), "dtype": dt, "data": enc(t.detach().tolist())}


def with_dtype(body, dtype_name, name):
    """The request body with float tensors in the requested dtype form."""
    out = {}
    for k, v in body.items():
        is_float_tensor = k in TENSOR_ARGS and k not in INT_ARGS.get(name, set()) and not (
            name == "cross_entropy" and k == "target" and not isinstance(v[0], list))
        out[k] = {"data": v, "dtype": "float64"} if (is_float_tensor and dtype_name == "float64") else v
    return out


def main():
    cases = []
    for name, bodies in BASE.items():
        for i, base in enumerate(bodies):
            for reduction in (["none", "sum", "mean"] + (["batchmean"] if name == "kl_div" else [])):
                if "reduction" in base and reduction != base["reduction"]:
                    continue
                for dtype_name, dtype in (("float32", torch.float32), ("float64", torch.float64)):
                    body = dict(base)
                    body["reduction"] = reduction
                    args = torch_args(name, body, dtype)
                    out, grads = differentiable(name, args)
                    req = with_dtype(body, dtype_name, name)
                    cases.append({
                        "name": f"{name}/{i}/{reduction}[{dtype_name}]",
                        "loss": name,
                        "request": req,
                        "expected": {"loss": to_json(out), "grads": {k: to_json(g) for k, g in grads.items()}},
                    })
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    path = os.path.join(root, "test", "fixtures", "losses-parity.json")
    with open(path, "w") as f:
        json.dump({"generator": "tools/parity/losses_generate.py", "torch_version": torch.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(path)}")


if __name__ == "__main__":
    main()
