"""Parity cases for POST /v1/graph (see API.md), turned into fixtures by generate.py.

A case is written once with float inputs given by `T(...)`; `case()` expands it into a
float32 and a float64 variant (request bodies exactly as a client sends them):
  * float32: `T` values become bare numbers / nested arrays (the float32 default), or
    `{"data": ..., "requires_grad": true}` when they require grad (dtype left to default);
  * float64: `{"data": ..., "dtype": "float64", "requires_grad"?: true}`.
`$DT` in a program is replaced by the variant's dtype name (for creation ops).
`backward.grad_output == "auto"` is replaced by a deterministic tensor of the shape of `of`,
in the variant's dtype (generate.py runs the forward pass to learn the shape).

Fields: family (op family, for the summary), name, inputs, program, outputs, backward,
fd (run the finite-difference check on the float64 variant), fd2 (also difference the
returned gradients to check second derivatives), tol (override of the dtype tolerances),
nodes (False: do not derive a `nodes` form even if the program is simple).
"""
from __future__ import annotations

import copy

F32, F64 = "float32", "float64"


class T:
    """A float input whose dtype follows the case variant."""

    def __init__(self, data, rg: bool = False):
        self.data, self.rg = data, rg


def I(data):  # noqa: E743 - int64 tensor, same in both variants
    return {"data": data, "dtype": "int64"}


def B(data):
    return {"data": data, "dtype": "bool"}


def D(data, dtype, rg=False):
    """A tensor with a fixed dtype in both variants."""
    d = {"data": data, "dtype": dtype}
    if rg:
        d["requires_grad"] = True
    return d


CASES: list[dict] = []
ERRORS: list[dict] = []


def _resolve(v, dtype):
    if isinstance(v, T):
        if dtype == F32:
            return {"data": v.data, "requires_grad": True} if v.rg else v.data
        d = {"data": v.data, "dtype": dtype}
        if v.rg:
            d["requires_grad"] = True
        return d
    if isinstance(v, dict):
        return {k: _resolve(x, dtype) for k, x in v.items()}
    return copy.deepcopy(v)


def case(family, name, inputs, program, outputs=None, backward=None, dtypes=(F32, F64),
         fd=True, fd2=False, tol=None, nodes=True, note=None):
    for dt in dtypes:
        req = {"inputs": {k: _resolve(v, dt) for k, v in inputs.items()},
               "program": program.replace("$DT", dt)}
        if outputs is not None:
            req["outputs"] = list(outputs)
        if backward is not None:
            req["backward"] = _resolve(backward, dt)
        CASES.append({"name": f"{family}/{name}[{dt}]", "family": family, "dtype": dt,
                      "request": req, "fd": bool(fd) and dt == F64, "fd2": bool(fd2) and dt == F64,
                      "tol": tol, "nodes": nodes, "note": note})


def raw(family, name, request, fd=False, fd2=False, tol=None, nodes=True, note=None, dtype=F32):
    """A request written out literally (seed examples, README examples)."""
    CASES.append({"name": f"{family}/{name}", "family": family, "dtype": dtype, "request": request,
                  "fd": fd, "fd2": fd2, "tol": tol, "nodes": nodes, "note": note})


def error(name, request, status=422, torch_rejects=True, note=None):
    ERRORS.append({"name": f"errors/{name}", "request": request, "status": status,
                   "torch_rejects": torch_rejects, "note": note})


AUTO = "auto"


def go(of, wrt=None):
    b = {"of": of, "grad_output": AUTO}
    if wrt is not None:
        b["wrt"] = wrt
    return b


# Common small inputs, away from kinks (no zeros, no integers, no ties).
A23 = [[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]]
B23 = [[-0.4, 0.9, 1.1], [0.25, -1.6, 0.8]]
P23 = [[0.5, 1.2, 2.0], [1.5, 0.3, 0.7]]          # positive
V3 = [0.4, -1.3, 2.1]
W3 = [1.5, 0.6, -0.8]
Q3 = [0.8, 1.7, 2.6]                              # positive
M32 = [[0.2, -0.5], [1.1, 0.4], [-0.3, 0.9]]
X234 = [[[0.1, -0.2, 0.3, 0.9], [0.5, 1.3, -0.7, 0.2], [-1.1, 0.6, 0.35, -0.45]],
        [[0.8, -0.9, 1.4, -0.15], [0.05, 0.7, -1.2, 0.55], [1.6, -0.25, 0.45, 1.05]]]

# ============================================================================ seeds / README
raw("seeds", "readme_mse_example", {
    "inputs": {"x": 1.0, "w": {"data": 2.0, "requires_grad": True}, "y": 1.0},
    "program": "p = x * w\nloss = mse_loss(p, y)",
    "outputs": ["loss", "p"],
    "backward": {"of": "loss", "wrt": ["w"]}}, fd=False,
    note="API.md example: loss 1, p 2, dloss/dw 2")
raw("seeds", "readme_mse_example_nodes_defaults", {
    "inputs": {"x": 1.0, "w": {"data": 2.0, "requires_grad": True}, "y": 1.0},
    "program": "p = mul(x, w)\nloss = mse_loss(p, y, reduction=\"mean\")"}, note="outputs/backward defaults")
raw("seeds", "000_mse_ones_full", {
    "inputs": {"x": [1.0], "w": {"data": [2.0], "requires_grad": True}},
    "program": "mse = mse_loss(x * w, ones(1))",
    "backward": {"of": "mse", "wrt": ["w"]}},
    note="seed 000: mse_loss(x * w, torch.ones(1)) = 1, gradient 2 for w (x=1, w=2)")
raw("seeds", "000_mse_ones_full_f64", {
    "inputs": {"x": {"data": [1.0], "dtype": "float64"}, "w": {"data": [2.0], "dtype": "float64", "requires_grad": True}},
    "program": "mse = mse_loss(x * w, ones(1, dtype=\"float64\"))"}, fd=True, dtype=F64)
raw("seeds", "000_full_int_fill_is_int64", {
    "inputs": {}, "program": "w = full([1], 2)\nwf = full([1], 2.0)"  , "outputs": ["w", "wf"]},
    note="torch.full([1], 2) is int64 in PyTorch >= 1.7, so the note's w.requires_grad_() fails")
raw("seeds", "000_sigmoid_linspace", {
    "inputs": {}, "program": "z = linspace(-100, 100, 10)\ns = sigmoid(z)", "outputs": ["z", "s"]})
raw("seeds", "000_tanh_linspace", {
    "inputs": {}, "program": "a = linspace(-1, 1, 10)\nt = tanh(a)", "outputs": ["a", "t"]})
case("seeds", "000_softmax_jacobian_rows", {"a": T([0.0, 0.4, 0.56], True)},
     "p = softmax(a, dim=0)\ng1 = grad(p[1], a)\ng2 = grad(p[2], a)\nJ = jacobian(p, a)",
     outputs=["p", "g1", "g2", "J"], backward=go("g1"), fd2=True,
     note="seed 000: rows of the softmax Jacobian, p_i(delta_ij - p_j); positive on the diagonal")
case("seeds", "000_softmax_2_1_01", {"y": T([2.0, 1.0, 0.1], True)},
     "p = softmax(y, dim=0)", backward=go("p"), note="seed 000 says ~[0.7, 0.2, 0.1]; exactly [0.659, 0.242, 0.099]")
case("seeds", "000_norm_squared_mse", {"y": T([1.0, 2.0, 3.0]), "yp": T([1.5, 1.5, 2.0], True)},
     "l = norm(y - yp, 2) ** 2\nm = pow(norm(y - yp, 2), 2)", outputs=["l", "m"], fd2=True)
raw("seeds", "003_net_2_2_2", {
    "inputs": {"x": [[0.05, 0.10]],
               "w1": {"data": [[0.15, 0.20], [0.25, 0.30]], "requires_grad": True},
               "b1": {"data": [0.35, 0.35], "requires_grad": True},
               "w2": {"data": [[0.40, 0.45], [0.50, 0.55]], "requires_grad": True},
               "b2": {"data": [0.60, 0.60], "requires_grad": True},
               "t": [[0.01, 0.99]]},
    "program": "h = sigmoid(x @ w1.T + b1)\no = sigmoid(h @ w2.T + b2)\nloss = mse_loss(o, t)",
    "outputs": ["loss", "o", "h"],
    "backward": {"of": "loss", "wrt": ["w1", "b1", "w2", "b2"]}},
    note="seed 003: nn.MSELoss gives 0.2983711 (the note's hand-written 0.3219311 halves only one term)")
for dt in (F32, F64):
    raw("seeds", f"003_net_2_2_2_linear_form[{dt}]", {
        "inputs": {"x": {"data": [[0.05, 0.10]], "dtype": dt},
                   "w1": {"data": [[0.15, 0.20], [0.25, 0.30]], "dtype": dt, "requires_grad": True},
                   "b1": {"data": [0.35, 0.35], "dtype": dt, "requires_grad": True},
                   "w2": {"data": [[0.40, 0.45], [0.50, 0.55]], "dtype": dt, "requires_grad": True},
                   "b2": {"data": [0.60, 0.60], "dtype": dt, "requires_grad": True},
                   "target": {"data": [[0.01, 0.99]], "dtype": dt}},
        "program": "l12 = matmul(x, t(w1)) + b1\nh = sigmoid(l12)\nl34 = matmul(h, w2.t()) + b2\no = sigmoid(l34)\nloss = mse_loss(o, target)",
        "outputs": ["o", "loss"]}, fd=(dt == F64), fd2=(dt == F64), dtype=dt)
raw("seeds", "003_net_hand_loss_slip", {
    "inputs": {"o": [[0.7513650695523157, 0.7729284653214625]], "target": [[0.01, 0.99]]},
    "program": "loss_note = 0.5 * (o[0, 0] - 0.01) ** 2 + (o[0, 1] - 0.99) ** 2\nloss_mse = mse_loss(o, target)",
    "outputs": ["loss_note", "loss_mse"]}, nodes=False,
    note="the note's formula gives 0.3219; MSELoss gives 0.2984")
raw("seeds", "003_chain_rule_retain_grad", {
    "inputs": {"x": 1.0, "w": {"data": 0.0, "requires_grad": True}, "b": {"data": 0.0, "requires_grad": True}},
    "program": "fc1 = 1 / (exp(-1 * x * w + b) + 1)\nfc2 = 2 * fc1 + 1",
    "backward": {"of": "fc2", "wrt": ["fc1", "w", "b"]}},
    note="seed 003 2.1: fc1.grad = 2, w.grad = 0.5, b.grad = -0.5")
raw("seeds", "003_softmax_sum_grad_zero", {
    "inputs": {"x": {"data": [[-1.0, 2.0, -3.0, 4.0], [-2, 3, -3, 9]], "requires_grad": True}},
    "program": "y = softmax(x, dim=1)\ns = sum(y)", "outputs": ["y", "s"]}, tol={"float32": {"rtol": 2e-4, "atol": 1e-6}},
    note="nn.Softmax() on 2-D picks dim=1 implicitly; sum of softmax is constant so the gradient is ~0")
raw("seeds", "003_l1_mse_smoothl1", {
    "inputs": {"y_true": [3.0, 5.0, 2.5], "y_pred": {"data": [4.5, 5.0, 2.0], "requires_grad": True}},
    "program": "l1 = l1_loss(y_pred, y_true)\nmse = mse_loss(y_pred, y_true)\nsl1 = smooth_l1_loss(y_pred, y_true)\ntotal = l1 + mse + sl1",
    "outputs": ["l1", "mse", "sl1", "total"]}, note="seed 003: 0.6667, 0.8333, 0.375 (l1 kink at y_pred==y_true: grad 0)")
raw("seeds", "003_cross_entropy", {
    "inputs": {"y_pred": {"data": [[0.5, 0.3, 0.2], [0.3, 0.6, 0.1]], "requires_grad": True}, "y_true": {"data": [0, 1], "dtype": "int64"}},
    "program": "loss = cross_entropy(y_pred, y_true)"},
    note="seed 003 prints 1.2465587854385376, but with y_true = [0, 1] PyTorch gives 0.8965588 (see next case)")
raw("seeds", "003_cross_entropy_printed_value", {
    "inputs": {"y_pred": {"data": [[0.5, 0.3, 0.2], [0.3, 0.6, 0.1]], "requires_grad": True}, "y_true": {"data": [1, 2], "dtype": "int64"}},
    "program": "loss = cross_entropy(y_pred, y_true)"},
    note="the note's 1.2465587854385376 (= mean(-log 0.3199, -log 0.2584)) is what targets [1, 2] give")
raw("seeds", "003_bce", {
    "inputs": {"y_pred": {"data": [[0.1], [0.2], [0.7]], "requires_grad": True}, "y_true": [[1.0], [0.0], [1.0]]},
    "program": "loss = binary_cross_entropy(y_pred, y_true)"}, note="seed 003: 0.9608011841773987")
raw("seeds", "004_z_wx_b", {
    "inputs": {"x": {"data": 1.0, "requires_grad": True}, "b": {"data": 2.0, "requires_grad": True},
               "w": {"data": 3.0, "requires_grad": True}},
    "program": "z = w * x + b"}, fd=False, note="seed 004: x.grad 3, w.grad 1, b.grad 1")
for dt in (F32, F64):
    raw("seeds", f"004_second_derivative_xxy[{dt}]", {
        "inputs": {"x": {"data": 2.0, "dtype": dt, "requires_grad": True}, "y": {"data": 3.0, "dtype": dt, "requires_grad": True}},
        "program": "z = x * x * y\ndzdx = grad(z, x)\nd2zdx2 = grad(dzdx, x)\nd2zdxdy = grad(dzdx, y)\nH = hessian(z, x)",
        "outputs": ["z", "dzdx", "d2zdx2", "d2zdxdy", "H"],
        "backward": {"of": "dzdx", "wrt": ["x", "y"]}}, fd=(dt == F64), fd2=(dt == F64), dtype=dt,
        note="seed 004: dz/dx = 2xy = 12, d2z/dx2 = 2y = 6")
raw("seeds", "002_cross_entropy_reductions", {
    "inputs": {"inputs": {"data": [[1, 2], [1, 3], [1, 3]], "requires_grad": True}, "target": {"data": [0, 1, 1], "dtype": "int64"}},
    "program": "none = cross_entropy(inputs, target, reduction=\"none\")\ns = cross_entropy(inputs, target, reduction=\"sum\")\nmean = cross_entropy(inputs, target, reduction=\"mean\")",
    "outputs": ["none", "s", "mean"]}, note="seed 002: [1.3133, 0.1269, 0.1269] 1.5671 0.5224")
raw("seeds", "002_cross_entropy_weight", {
    "inputs": {"inputs": {"data": [[1, 2], [1, 3], [1, 3]], "requires_grad": True}, "target": {"data": [0, 1, 1], "dtype": "int64"},
               "weights": [1, 2]},
    "program": "none = cross_entropy(inputs, target, weight=weights, reduction=\"none\")\ns = cross_entropy(inputs, target, weight=weights, reduction=\"sum\")\nmean = cross_entropy(inputs, target, weight=weights, reduction=\"mean\")",
    "outputs": ["none", "s", "mean"]}, note="seed 002: [1.3133, 0.2539, 0.2539] 1.8210 0.3642")
raw("seeds", "002_nll", {
    "inputs": {"inputs": {"data": [[1, 2], [1, 3], [1, 3]], "requires_grad": True}, "target": {"data": [0, 1, 1], "dtype": "int64"},
               "weights": [1, 1]},
    "program": "none = nll_loss(inputs, target, weight=weights, reduction=\"none\")\ns = nll_loss(inputs, target, weight=weights, reduction=\"sum\")\nmean = nll_loss(inputs, target, weight=weights, reduction=\"mean\")",
    "outputs": ["none", "s", "mean"]}, note="seed 002: [-1, -3, -3] -7 -2.3333")
raw("seeds", "002_bce_sigmoid", {
    "inputs": {"inputs": {"data": [[1, 2], [2, 2], [3, 4], [4, 5]], "requires_grad": True},
               "target": [[1, 0], [1, 0], [0, 1], [0, 1]], "weights": [1, 1]},
    "program": "p = sigmoid(inputs)\nnone = binary_cross_entropy(p, target, weight=weights, reduction=\"none\")\ns = binary_cross_entropy(p, target, weight=weights, reduction=\"sum\")\nmean = binary_cross_entropy(p, target, weight=weights, reduction=\"mean\")",
    "outputs": ["none", "s", "mean"]}, note="seed 002: 11.7856 1.4732")
raw("seeds", "002_bce_with_logits_pos_weight", {
    "inputs": {"inputs": {"data": [[1, 2], [2, 2], [3, 4], [4, 5]], "requires_grad": True},
               "target": [[1, 0], [1, 0], [0, 1], [0, 1]], "weights": [1], "pos_w": [3]},
    "program": "none = binary_cross_entropy_with_logits(inputs, target, weight=weights, reduction=\"none\", pos_weight=pos_w)\nmean = binary_cross_entropy_with_logits(inputs, target, weight=weights, pos_weight=pos_w)",
    "outputs": ["none", "mean"]})
raw("seeds", "002_l1_mse_none", {
    "inputs": {"inputs": {"data": [[1, 1], [1, 1]], "requires_grad": True}, "target": [[3, 3], [3, 3]]},
    "program": "l1 = l1_loss(inputs, target, reduction=\"none\")\nmse = mse_loss(inputs, target, reduction=\"none\")\ntotal = sum(l1) + sum(mse)",
    "outputs": ["l1", "mse", "total"]}, note="seed 002: [[2,2],[2,2]] and [[4,4],[4,4]]")
raw("seeds", "002_kl_div_as_written", {
    "inputs": {"inputs": {"data": [[0.5, 0.3, 0.2], [0.2, 0.3, 0.5]], "requires_grad": True},
               "target": [[0.9, 0.05, 0.05], [0.1, 0.7, 0.2]]},
    "program": "none = kl_div(inputs, target, reduction=\"none\")\nmean = kl_div(inputs, target, reduction=\"mean\")\nbm = kl_div(inputs, target, reduction=\"batchmean\")\nlogged = kl_div(log(inputs), target, reduction=\"batchmean\")",
    "outputs": ["none", "mean", "bm", "logged"], "backward": {"of": "logged"}},
    note="seed 002 computes inputs_log but passes the probabilities; `logged` is the intended KL divergence")
raw("seeds", "002_multilabel_margin", {
    "inputs": {"x": {"data": [[0.1, 0.2, 0.4, 0.8]], "requires_grad": True}, "y": {"data": [[0, 3, -1, -1]], "dtype": "int64"}},
    "program": "loss = multilabel_margin_loss(x, y, reduction=\"none\")", "backward": {"of": "loss", "grad_output": [1.0]}},
    note="seed 002: 0.8500")
raw("seeds", "002_soft_margin", {
    "inputs": {"inputs": {"data": [[0.3, 0.7], [0.5, 0.5]], "requires_grad": True}, "target": [[-1, 1], [1, -1]]},
    "program": "none = soft_margin_loss(inputs, target, reduction=\"none\")\nmean = soft_margin_loss(inputs, target)",
    "outputs": ["none", "mean"]})
raw("seeds", "002_multilabel_soft_margin", {
    "inputs": {"inputs": {"data": [[0.3, 0.7, 0.8]], "requires_grad": True}, "target": [[0, 1, 1]]},
    "program": "loss = multilabel_soft_margin_loss(inputs, target, reduction=\"none\")\nm = sum(loss)",
    "outputs": ["loss", "m"]}, note="seed 002: 0.5429")
raw("seeds", "002_multi_margin", {
    "inputs": {"x": {"data": [[0.1, 0.2, 0.7], [0.2, 0.5, 0.3]], "requires_grad": True}, "y": {"data": [1, 2], "dtype": "int64"}},
    "program": "loss = multi_margin_loss(x, y, reduction=\"none\")\nm = mean(loss)", "outputs": ["loss", "m"]},
    note="seed 002: [0.8000, 0.7000]")
raw("seeds", "002_triplet_p1", {
    "inputs": {"anchor": {"data": [[1.0]], "requires_grad": True}, "pos": {"data": [[2.0]], "requires_grad": True},
               "neg": {"data": [[0.5]], "requires_grad": True}},
    "program": "loss = triplet_margin_loss(anchor, pos, neg, margin=1.0, p=1)"}, note="seed 002: 1.5")
raw("seeds", "002_hinge_embedding", {
    "inputs": {"inputs": {"data": [[1.0, 0.8, 0.5]], "requires_grad": True}, "target": {"data": [[1, 1, -1]], "dtype": "int64"}},
    "program": "loss = hinge_embedding_loss(inputs, target, margin=1, reduction=\"none\")\nm = sum(loss)",
    "outputs": ["loss", "m"]}, note="seed 002: [1.0, 0.8, 0.5]")
raw("seeds", "002_cosine_embedding_1d_target", {
    "inputs": {"x1": {"data": [[0.3, 0.5, 0.7], [0.3, 0.5, 0.7]], "requires_grad": True},
               "x2": {"data": [[0.1, 0.3, 0.5], [0.1, 0.3, 0.5]], "requires_grad": True}, "target": [1, -1]},
    "program": "loss = cosine_embedding_loss(x1, x2, target, margin=0.0, reduction=\"none\")\nm = sum(loss)",
    "outputs": ["loss", "m"]}, note="seed 002 prints [0.0167, 0.9833]; its 2-D target [[1, -1]] is rejected (see errors)")

# ============================================================================ arithmetic
case("arith", "add_broadcast", {"x": T(A23, True), "w": T(V3, True)}, "y = x + w", backward=go("y"))
case("arith", "add_alpha", {"x": T(A23, True), "w": T(V3, True)}, "y = add(x, w, alpha=2)", backward=go("y"))
case("arith", "add_scalar", {"x": T(V3, True)}, "y = x + 1.5\nz = 2 + x", outputs=["y", "z"], backward=go("z"))
case("arith", "sub", {"x": T(A23, True), "w": T(B23, True)}, "y = x - w", backward=go("y"))
case("arith", "sub_alpha_method", {"x": T(A23, True), "w": T(V3, True)}, "y = x.sub(w, alpha=0.5)", backward=go("y"))
case("arith", "rsub_scalar", {"x": T(V3, True)}, "y = 1 - x", backward=go("y"))
case("arith", "mul", {"x": T(A23, True), "w": T(B23, True)}, "y = x * w", backward=go("y"))
case("arith", "mul_fn_scalar", {"x": T(A23, True)}, "y = mul(x, 3)\nz = 0.5 * x", outputs=["y", "z"], backward=go("y"))
case("arith", "div", {"x": T(A23, True), "p": T(P23, True)}, "y = x / p", backward=go("y"), fd2=True)
case("arith", "div_scalar_both_sides", {"p": T(Q3, True)}, "y = p / 4\nz = 2 / p", outputs=["y", "z"], backward=go("z"))
case("arith", "div_rounding_mode", {"x": T([[7.5, -7.5], [3.2, -0.4]]), "p": T([[2.0, 2.0], [-1.5, 0.3]])},
     "f = div(x, p, rounding_mode=\"floor\")\nt = div(x, p, rounding_mode=\"trunc\")", outputs=["f", "t"], fd=False)
case("arith", "neg", {"x": T(A23, True)}, "y = -x\nz = neg(x)", outputs=["y", "z"], backward=go("z"))
case("arith", "pow_int", {"x": T(A23, True)}, "y = x ** 2\nz = pow(x, 3)", outputs=["y", "z"], backward=go("z"), fd2=True)
case("arith", "pow_frac", {"p": T(P23, True)}, "y = pow(p, 1.5)\nz = p ** -0.5", outputs=["y", "z"], backward=go("y"))
case("arith", "pow_tensor_exponent", {"p": T(Q3, True), "w": T(W3, True)}, "y = p ** w", backward=go("y"), fd2=True)
case("arith", "pow_scalar_base", {"x": T(V3, True)}, "y = 2 ** x", backward=go("y"))
case("arith", "matmul_2d", {"x": T(A23, True), "m": T(M32, True)}, "y = x @ m", backward=go("y"), fd2=True)
case("arith", "matmul_fn_mv", {"x": T(A23, True), "v": T(V3, True)}, "y = matmul(x, v)", backward=go("y"))
case("arith", "matmul_dot", {"v": T(V3, True), "w": T(W3, True)}, "y = v @ w", fd2=True)
case("arith", "matmul_vm", {"v": T([0.3, -0.8], True), "x": T(A23, True)}, "y = v @ x", backward=go("y"))
case("arith", "matmul_batched_broadcast", {"x": T(X234, True), "m": T([[0.2, -0.5], [1.1, 0.4], [-0.3, 0.9], [0.6, 0.1]], True)},
     "y = x @ m", backward=go("y"))
case("arith", "abs", {"x": T(A23, True)}, "y = abs(x)", backward=go("y"))
case("arith", "exp", {"x": T(A23, True)}, "y = exp(x)", backward=go("y"), fd2=True)
case("arith", "log", {"p": T(P23, True)}, "y = log(p)", backward=go("y"), fd2=True)
case("arith", "log1p", {"p": T(P23, True)}, "y = log1p(p)\nz = log1p(-0.5 * p / 2.5)", outputs=["y", "z"], backward=go("z"))
case("arith", "sqrt", {"p": T(P23, True)}, "y = sqrt(p)", backward=go("y"))
case("arith", "rsqrt", {"p": T(P23, True)}, "y = rsqrt(p)", backward=go("y"))
case("arith", "sin_cos", {"x": T(A23, True)}, "s = sin(x)\nc = cos(x)\ny = s * c", outputs=["s", "c", "y"], backward=go("y"), fd2=True)
case("arith", "reciprocal", {"x": T(A23, True)}, "y = reciprocal(x)", backward=go("y"))
case("arith", "square", {"x": T(A23, True)}, "y = square(x)\nz = x.square()", outputs=["y", "z"], backward=go("y"))
case("arith", "sign", {"x": T([[0.5, -1.2, 0.0], [1.5, -0.3, -0.7]], True)}, "y = sign(x)", backward=go("y"), fd=False,
     note="gradient of sign is 0 everywhere")
case("arith", "methods", {"x": T(A23, True)}, "y = x.abs().exp().log1p().sqrt()", backward=go("y"))
case("arith", "precedence", {"x": T(V3, True), "w": T(W3, True)}, "y = -x ** 2 + 3 * x * w - w / 2 ** 2",
     backward=go("y"), note="Python precedence: -(x**2), 2**2 first")

# ============================================================================ rounding / clipping
R = [[0.4, -1.3, 2.6], [-2.2, 1.7, -0.6]]
case("rounding", "floor", {"x": T(R, True)}, "y = floor(x)", backward=go("y"))
case("rounding", "ceil", {"x": T(R, True)}, "y = ceil(x)", backward=go("y"))
case("rounding", "round", {"x": T(R, True)}, "y = round(x)", backward=go("y"))
case("rounding", "round_half_even", {"x": T([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5])}, "y = round(x)", fd=False,
     note="round half to even, like PyTorch")
case("rounding", "round_decimals", {"x": T([1.2345, -2.7182, 0.051])}, "y = round(x, decimals=2)", fd=False)
case("rounding", "trunc", {"x": T(R, True)}, "y = trunc(x)", backward=go("y"))
case("rounding", "frac", {"x": T(R, True)}, "y = frac(x)", backward=go("y"))
case("rounding", "clamp_both", {"x": T(R, True)}, "y = clamp(x, min=-1.0, max=1.0)", backward=go("y"))
case("rounding", "clamp_min_only", {"x": T(R, True)}, "y = clamp(x, min=0.0)", backward=go("y"))
case("rounding", "clamp_max_only_method", {"x": T(R, True)}, "y = x.clamp(max=0.5)", backward=go("y"))
case("rounding", "clamp_at_bounds", {"x": T([-1.0, -0.5, 1.0, 2.0], True)}, "y = clamp(x, min=-1.0, max=1.0)",
     backward=go("y"), fd=False, note="at the bound PyTorch passes the gradient (x >= min and x <= max)")

# ============================================================================ reductions
case("reduce", "sum_all", {"x": T(A23, True)}, "y = sum(x)", fd2=True)
case("reduce", "sum_dim", {"x": T(A23, True)}, "y = sum(x, dim=1)", backward=go("y"))
case("reduce", "sum_dim_list_keepdim", {"x": T(X234, True)}, "y = sum(x, dim=[0, 2], keepdim=true)", backward=go("y"))
case("reduce", "sum_method_neg_dim", {"x": T(A23, True)}, "y = x.sum(dim=-1, keepdim=True)", backward=go("y"))
case("reduce", "mean_all", {"x": T(A23, True)}, "y = mean(x)")
case("reduce", "mean_dim", {"x": T(A23, True)}, "y = mean(x, dim=0)", backward=go("y"))
case("reduce", "mean_dim_list", {"x": T(X234, True)}, "y = x.mean(dim=[1, 2])", backward=go("y"))
case("reduce", "prod_all", {"x": T(A23, True)}, "y = prod(x)", fd2=True)
case("reduce", "prod_dim_keepdim", {"x": T(A23, True)}, "y = prod(x, dim=1, keepdim=true)", backward=go("y"))
case("reduce", "prod_one_zero", {"x": T([[0.5, 0.0, 2.0], [1.5, 0.3, -0.7]], True)}, "y = prod(x)",
     note="the gradient at the zero is the product of the others")
case("reduce", "prod_two_zeros", {"x": T([0.5, 0.0, 2.0, 0.0], True)}, "y = prod(x)", fd=False)
case("reduce", "prod_dim_zero", {"x": T([[0.5, 0.0, 2.0], [0.0, 0.0, -0.7]], True)}, "y = prod(x, dim=1)",
     backward=go("y"), fd=False)
case("reduce", "max_all", {"x": T(A23, True)}, "y = max(x)")
case("reduce", "max_dim", {"x": T(A23, True)}, "y = max(x, dim=1)", backward=go("y"))
case("reduce", "max_dim_positional_keepdim", {"x": T(A23, True)}, "y = max(x, 0, keepdim=true)", backward=go("y"))
case("reduce", "max_method", {"x": T(A23, True)}, "y = x.max(dim=-1)", backward=go("y"))
case("reduce", "max_binary", {"x": T(A23, True), "w": T(B23, True)}, "y = max(x, w)", backward=go("y"))
case("reduce", "min_all", {"x": T(A23, True)}, "y = min(x)")
case("reduce", "min_dim", {"x": T(A23, True)}, "y = min(x, dim=0)", backward=go("y"))
case("reduce", "min_dim_keepdim", {"x": T(X234, True)}, "y = x.min(dim=2, keepdim=true)", backward=go("y"))
case("reduce", "min_binary", {"x": T(A23, True), "w": T(V3, True)}, "y = min(x, w)", backward=go("y"))
case("reduce", "amax_all", {"x": T(A23, True)}, "y = amax(x)")
case("reduce", "amax_dim_list", {"x": T(X234, True)}, "y = amax(x, dim=[0, 2])", backward=go("y"))
case("reduce", "amin_dim_keepdim", {"x": T(A23, True)}, "y = amin(x, dim=1, keepdim=true)", backward=go("y"))
TIES = [[1.0, 3.0, 3.0], [3.0, -2.0, 0.5]]
case("reduce", "ties_max_all", {"x": T(TIES, True)}, "y = max(x)", fd=False, note="full max() shares the gradient evenly among ties")
case("reduce", "ties_min_all", {"x": T([[1.0, -2.0, 3.0], [-2.0, -2.0, 0.5]], True)}, "y = min(x)", fd=False)
case("reduce", "ties_amax_all", {"x": T(TIES, True)}, "y = amax(x)", fd=False)
case("reduce", "ties_amax_dim", {"x": T(TIES, True)}, "y = amax(x, dim=1)", backward=go("y"), fd=False)
case("reduce", "ties_amin_dim", {"x": T([[1.0, 1.0, 3.0], [3.0, -2.0, -2.0]], True)}, "y = amin(x, dim=1)", backward=go("y"), fd=False)
case("reduce", "ties_max_dim", {"x": T(TIES, True)}, "y = max(x, dim=1)", backward=go("y"), fd=False,
     note="max(dim) sends the gradient to the one index PyTorch returns")
case("reduce", "ties_min_dim", {"x": T([[1.0, 1.0, 3.0], [3.0, -2.0, -2.0]], True)}, "y = min(x, dim=1)", backward=go("y"), fd=False)
case("reduce", "argmax_argmin", {"x": T(A23)}, "a = argmax(x)\nb = argmin(x)\nc = argmax(x, dim=1)\nd = argmin(x, dim=0, keepdim=true)",
     outputs=["a", "b", "c", "d"])
case("reduce", "argmax_ties_first", {"x": T(TIES)}, "a = argmax(x)\nb = argmax(x, dim=1)\nc = argmin(x, dim=0)",
     outputs=["a", "b", "c"])
case("reduce", "norm_default_fro", {"x": T(A23, True)}, "y = norm(x)", fd2=True)
case("reduce", "norm_p1", {"x": T(A23, True)}, "y = norm(x, p=1)")
case("reduce", "norm_p2_positional", {"x": T(A23, True)}, "y = norm(x, 2)")
case("reduce", "norm_inf", {"x": T(A23, True)}, "y = norm(x, p=inf)", nodes=False)
case("reduce", "norm_fro_string", {"x": T(A23, True)}, "y = norm(x, p=\"fro\")")
case("reduce", "norm_dim", {"x": T(A23, True)}, "y = norm(x, p=2, dim=1)", backward=go("y"))
case("reduce", "norm_dim_keepdim_p1", {"x": T(A23, True)}, "y = x.norm(p=1, dim=0, keepdim=true)", backward=go("y"))
case("reduce", "norm_inf_dim", {"x": T(A23, True)}, "y = norm(x, p=inf, dim=1)", backward=go("y"), nodes=False)
case("reduce", "norm_dim_list", {"x": T(X234, True)}, "y = norm(x, dim=[1, 2])", backward=go("y"))
case("reduce", "norm_at_zero", {"x": T([0.0, 0.0, 0.0], True)}, "n2 = norm(x)\nn1 = norm(x, p=1)\nni = norm(x, p=inf)\ny = n2 + n1",
     outputs=["n2", "n1", "ni", "y"], fd=False, nodes=False, note="PyTorch: gradient 0 at the origin for p=2 and p=1")
case("reduce", "var_default", {"x": T(A23, True)}, "y = var(x)", fd2=True)
case("reduce", "var_biased", {"x": T(A23, True)}, "y = var(x, unbiased=false)")
case("reduce", "var_dim", {"x": T(A23, True)}, "y = var(x, dim=1)", backward=go("y"))
case("reduce", "var_dim_keepdim_biased", {"x": T(A23, True)}, "y = x.var(dim=0, unbiased=False, keepdim=true)", backward=go("y"))
case("reduce", "var_correction", {"x": T(X234, True)}, "a = var(x, dim=[0, 2], correction=0)\nb = var(x, dim=2, correction=2)",
     outputs=["a", "b"], backward=go("b"))
case("reduce", "std_default", {"x": T(A23, True)}, "y = std(x)")
case("reduce", "std_dim_biased", {"x": T(A23, True)}, "y = std(x, dim=1, unbiased=false)", backward=go("y"))
case("reduce", "std_correction_keepdim", {"x": T(X234, True)}, "y = x.std(dim=[1, 2], correction=0, keepdim=true)", backward=go("y"))
case("reduce", "var_std_single_element", {"x": T([1.5])}, "v = var(x)\ns = std(x)\nvb = var(x, unbiased=false)",
     outputs=["v", "s", "vb"], fd=False, note="unbiased with one element: NaN (PyTorch also warns)")
case("reduce", "logsumexp_dim", {"x": T(A23, True)}, "y = logsumexp(x, dim=1)", backward=go("y"), fd2=True)
case("reduce", "logsumexp_dim_list_keepdim", {"x": T(X234, True)}, "y = logsumexp(x, dim=[0, 2], keepdim=true)", backward=go("y"))
case("reduce", "logsumexp_large", {"x": T([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]], True)},
     "y = x.logsumexp(dim=-1)", backward=go("y"))
case("reduce", "topk", {"x": T(A23, True)}, "v = topk(x, 2)\ni = topk_indices(x, 2)", outputs=["v", "i"], backward=go("v"))
case("reduce", "topk_smallest_dim0", {"x": T(X234, True)}, "v = topk(x, 1, dim=0, largest=false)\ni = topk_indices(x, 1, dim=0, largest=false)",
     outputs=["v", "i"], backward=go("v"))
case("reduce", "topk_method_k_kw", {"x": T(V3 + [0.05, -0.6], True)}, "v = x.topk(k=3, sorted=true)\ni = x.topk_indices(k=3)",
     outputs=["v", "i"], backward=go("v"))
case("reduce", "kthvalue", {"x": T(A23, True)}, "v = kthvalue(x, 2)\ni = kthvalue_indices(x, 2)", outputs=["v", "i"], backward=go("v"))
case("reduce", "kthvalue_dim_keepdim", {"x": T(X234, True)}, "v = kthvalue(x, 1, dim=1, keepdim=true)\ni = kthvalue_indices(x, 1, dim=1, keepdim=true)",
     outputs=["v", "i"], backward=go("v"))
case("reduce", "int64_sum_mean", {"n": I([[1, 2, 3], [4, 5, 6]])}, "s = sum(n)\nd = sum(n, dim=0)\np = prod(n)\nm = max(n)\na = argmax(n, dim=1)",
     outputs=["s", "d", "p", "m", "a"], fd=False, dtypes=(F32,), note="integer sum/prod stay int64")

# ============================================================================ shape
case("shape", "reshape", {"x": T(A23, True)}, "y = reshape(x, [3, 2])", backward=go("y"))
case("shape", "reshape_infer_method", {"x": T(X234, True)}, "y = x.reshape([4, -1])", backward=go("y"))
case("shape", "view", {"x": T(X234, True)}, "y = view(x, [6, 4])", backward=go("y"))
case("shape", "flatten", {"x": T(X234, True)}, "a = flatten(x)\nb = flatten(x, start_dim=1)\nc = x.flatten(0, 1)",
     outputs=["a", "b", "c"], backward=go("c"))
case("shape", "squeeze", {"x": T([[[0.5, -1.2, 2.0]], [[1.5, 0.3, -0.7]]], True)}, "a = squeeze(x)\nb = squeeze(x, 1)\nc = x.squeeze(dim=0)",
     outputs=["a", "b", "c"], backward=go("a"))
case("shape", "unsqueeze", {"x": T(A23, True)}, "a = unsqueeze(x, 0)\nb = x.unsqueeze(-1)\nc = unsqueeze(x, dim=1)", outputs=["a", "b", "c"],
     backward=go("b"))
case("shape", "transpose", {"x": T(X234, True)}, "y = transpose(x, 0, 2)", backward=go("y"))
case("shape", "permute", {"x": T(X234, True)}, "y = permute(x, [2, 0, 1])", backward=go("y"))
# More dims than shapes keep inline (native/small_vector.h): shapes, strides and
# dim lists of rank 7 and 8 live on the heap.
R7 = [round(0.01 * i - 0.6, 2) for i in range(128)]
case("shape", "rank7_and_8", {"x": T(R7, True)},
     "y = x.reshape(2, 2, 2, 2, 2, 2, 2)\nz = y.permute(6, 5, 4, 3, 2, 1, 0) * y.sum(dim=0, keepdim=True)\n"
     "w = z.unsqueeze(3) + z.unsqueeze(0)\nloss = (w * w).sum()",
     outputs=["z", "loss"], backward={"of": "loss", "wrt": ["x"]}, nodes=False)
case("shape", "t_and_T", {"x": T(A23, True)}, "a = t(x)\nb = x.T\nc = x.t()", outputs=["a", "b", "c"], backward=go("b"), nodes=False)
case("shape", "t_1d", {"v": T(V3, True)}, "y = t(v)", backward=go("y"))
case("shape", "expand", {"x": T([[0.5], [-1.2]], True)}, "y = expand(x, [2, 3])", backward=go("y"))
case("shape", "expand_new_dims_minus1", {"v": T(V3, True)}, "y = v.expand([2, -1])\nz = expand(v, [2, 2, 3])", outputs=["y", "z"], backward=go("z"))
case("shape", "repeat", {"x": T(A23, True)}, "y = repeat(x, [2, 1])", backward=go("y"))
case("shape", "repeat_new_dim", {"v": T(V3, True)}, "y = v.repeat([2, 2])", backward=go("y"))
case("shape", "cat", {"x": T(A23, True), "w": T(B23, True)}, "a = cat([x, w])\nb = cat([x, w, x], dim=1)", outputs=["a", "b"],
     backward=go("b"), nodes=False)
case("shape", "cat_different_sizes", {"x": T(A23, True), "v": T([V3], True)}, "y = cat([x, v], dim=0)", backward=go("y"), nodes=False)
case("shape", "stack", {"x": T(A23, True), "w": T(B23, True)}, "a = stack([x, w])\nb = stack([x, w], dim=2)", outputs=["a", "b"],
     backward=go("b"), nodes=False)
case("shape", "split_size", {"x": T(X234, True)}, "parts = split(x, 1, dim=1)\ny = parts[1]\nz = split(x, 2)[0]",
     outputs=["y", "z"], backward=go("y"), nodes=False)
case("shape", "split_sections", {"x": T(A23, True)}, "p = split(x, [1, 2], dim=1)\na = p[0]\nb = p[1]\ny = sum(a) * 2 + sum(b * b)",
     outputs=["a", "b", "y"], nodes=False)
case("shape", "chunk", {"x": T(X234, True)}, "c = chunk(x, 2, dim=2)\ny = c[1] * c[0]", outputs=["y"], backward=go("y"), nodes=False)
case("shape", "chunk_uneven", {"x": T(A23, True)}, "c = x.chunk(2, dim=1)\na = c[0]\nb = c[1]", outputs=["a", "b"],
     backward=go("a"), nodes=False)
case("shape", "narrow", {"x": T(X234, True)}, "y = narrow(x, 2, 1, 2)", backward=go("y"))
case("shape", "index_select", {"x": T(A23, True), "idx": I([2, 0, 2])}, "y = index_select(x, 1, idx)", backward=go("y"),
     note="repeated index accumulates the gradient")
case("shape", "gather", {"x": T(A23, True), "idx": I([[0, 0, 2], [1, 2, 1]])}, "y = gather(x, 1, idx)", backward=go("y"))
case("shape", "where", {"x": T(A23, True), "w": T(B23, True)}, "y = where(x > w, x, w)", backward=go("y"), nodes=False)
case("shape", "where_bool_input_scalar", {"c": B([[True, False, True], [False, False, True]]), "x": T(A23, True)},
     "y = where(c, x, 0.0)", backward=go("y"))
case("shape", "index_int", {"x": T(X234, True)}, "a = x[0]\nb = x[1, 2]\nc = x[-1, -1, -1]", outputs=["a", "b", "c"], backward=go("b"), nodes=False)
case("shape", "slice_cols", {"x": T(X234, True)}, "y = x[:, 1:3]", backward=go("y"), nodes=False)
case("shape", "slice_step", {"x": T([0.1, -0.2, 0.3, 0.9, 0.5, 1.3, -0.7], True)}, "a = x[::2]\nb = x[1::3]\nc = x[-3:]", outputs=["a", "b", "c"],
     backward=go("a"), nodes=False)
case("shape", "ellipsis", {"x": T(X234, True)}, "y = x[..., -1]\nz = x[..., 1:3]\nw = x[0, ..., 0]", outputs=["y", "z", "w"], backward=go("y"), nodes=False)
case("shape", "slice_overlap_sum", {"x": T(A23, True)}, "y = x[:, :2] * x[:, 1:] + x[0, 1:]", backward=go("y"), nodes=False,
     note="overlapping slices accumulate")

# ============================================================================ activations
ACT = [[-2.5, -0.7, 0.3], [1.2, 2.4, 7.0]]
ACT_SMALL = [[-2.5, -0.7, 0.3], [1.2, 2.4, 5.0]]
for act, prog in [
    ("sigmoid", "y = sigmoid(x)"), ("tanh", "y = tanh(x)"), ("relu", "y = relu(x)"),
    ("leaky_relu_default", "y = leaky_relu(x)"), ("leaky_relu_slope", "y = leaky_relu(x, negative_slope=0.1)"),
    ("leaky_relu_positional", "y = leaky_relu(x, 0.2)"),
    ("elu_default", "y = elu(x)"), ("elu_alpha", "y = elu(x, alpha=0.5)"),
    ("selu", "y = selu(x)"), ("celu_default", "y = celu(x)"), ("celu_alpha", "y = celu(x, alpha=2.0)"),
    ("gelu", "y = gelu(x)"), ("gelu_tanh", "y = gelu(x, approximate=\"tanh\")"),
    ("silu", "y = silu(x)"), ("mish", "y = mish(x)"), ("softplus", "y = softplus(x)"),
    ("softplus_beta_threshold", "y = softplus(x, beta=2, threshold=5)"),
    ("softsign", "y = softsign(x)"), ("hardtanh_default", "y = hardtanh(x)"),
    ("hardtanh_range", "y = hardtanh(x, min_val=-2.0, max_val=2.0)"),
    ("hardsigmoid", "y = hardsigmoid(x)"), ("hardswish", "y = hardswish(x)"), ("relu6", "y = relu6(x)"),
    ("logsigmoid", "y = logsigmoid(x)"),
    ("softmax_dim1", "y = softmax(x, dim=1)"), ("softmax_dim0", "y = softmax(x, dim=0)"),
    ("softmax_dim_neg", "y = x.softmax(dim=-1)"), ("log_softmax_dim1", "y = log_softmax(x, dim=1)"),
    ("log_softmax_dim0", "y = log_softmax(x, 0)"), ("softmin_dim1", "y = softmin(x, dim=1)"),
    ("softmin_dim0", "y = softmin(x, dim=0)"),
]:
    smooth = act in ("sigmoid", "tanh", "selu", "gelu", "gelu_tanh", "silu", "mish", "softplus", "softsign",
                     "logsigmoid", "elu_default", "celu_alpha") or act.startswith(("softmax", "log_softmax", "softmin"))
    case("activation", act, {"x": T(ACT_SMALL if act.startswith("softplus_beta") else ACT, True)}, prog,
         backward=go("y"), fd2=smooth and not act.startswith("elu"))
case("activation", "softplus_beta_threshold_switch", {"x": T([-1.0, 2.4, 2.6, 4.0], True)},
     "y = softplus(x, beta=2, threshold=5)", backward=go("y"), fd=False,
     note="linear once beta * x > threshold")
case("activation", "kinks_pytorch_conventions", {"x": T([-3.0, -1.0, 0.0, 1.0, 3.0, 6.0], True)},
     "r = relu(x)\nl = leaky_relu(x, 0.1)\nr6 = relu6(x)\nht = hardtanh(x)\nhs = hardsigmoid(x)\nhw = hardswish(x)\ne = elu(x)\na = abs(x)\n"
     "y = r + 2 * l + 3 * r6 + 4 * ht + 5 * hs + 6 * hw + 7 * e + 8 * a",
     outputs=["r", "l", "r6", "ht", "hs", "hw", "e", "a", "y"], backward=go("y"), fd=False,
     note="derivatives exactly at the kinks follow PyTorch (e.g. relu'(0) = 0, abs'(0) = 0); the data is the reference")
case("activation", "seed003_leaky_relu_linspace", {"x": T([-10.0, -3.5, -0.25, 0.25, 3.5, 10.0], True)},
     "y = leaky_relu(x, 0.1)\ns = sum(y)", outputs=["y", "s"])

# ============================================================================ losses
case("loss", "mse_mean", {"x": T(A23, True), "t": T(B23)}, "loss = mse_loss(x, t)", fd2=True)
case("loss", "mse_sum_both_grad", {"x": T(A23, True), "t": T(B23, True)}, "loss = mse_loss(x, t, reduction=\"sum\")")
case("loss", "mse_none", {"x": T(A23, True), "t": T(B23)}, "loss = mse_loss(x, t, reduction=\"none\")", backward=go("loss"))
LOGITS = [[1.2, -0.4, 0.3, 0.8], [0.1, 0.9, -1.3, 0.25], [-0.6, 0.45, 1.7, -0.2]]
TGT = I([3, 1, 0])
WTS = [0.5, 2.0, 1.0, 1.5]
case("loss", "ce_default", {"x": T(LOGITS, True), "t": TGT}, "loss = cross_entropy(x, t)", fd2=True)
case("loss", "ce_weight", {"x": T(LOGITS, True), "t": TGT, "wts": T(WTS)}, "loss = cross_entropy(x, t, weight=wts)", fd2=True)
case("loss", "ce_ignore_index", {"x": T(LOGITS, True), "t": I([3, -100, 0])}, "loss = cross_entropy(x, t)")
case("loss", "ce_ignore_index_custom", {"x": T(LOGITS, True), "t": TGT}, "loss = cross_entropy(x, t, ignore_index=1)")
case("loss", "ce_ignore_index_weight_mean", {"x": T(LOGITS, True), "t": TGT, "wts": T(WTS)},
     "loss = cross_entropy(x, t, weight=wts, ignore_index=3)")
case("loss", "ce_all_ignored", {"x": T(LOGITS, True), "t": I([-100, -100, -100])}, "loss = cross_entropy(x, t)", fd=False,
     note="mean over zero targets is NaN in PyTorch")
case("loss", "ce_label_smoothing", {"x": T(LOGITS, True), "t": TGT}, "loss = cross_entropy(x, t, label_smoothing=0.1)", fd2=True)
case("loss", "ce_label_smoothing_weight", {"x": T(LOGITS, True), "t": TGT, "wts": T(WTS)},
     "loss = cross_entropy(x, t, weight=wts, label_smoothing=0.2)")
case("loss", "ce_label_smoothing_ignore_weight_sum", {"x": T(LOGITS, True), "t": I([3, 1, -100]), "wts": T(WTS)},
     "loss = cross_entropy(x, t, weight=wts, label_smoothing=0.3, reduction=\"sum\")")
case("loss", "ce_none", {"x": T(LOGITS, True), "t": TGT, "wts": T(WTS)}, "loss = cross_entropy(x, t, weight=wts, reduction=\"none\")",
     backward=go("loss"))
case("loss", "ce_sum_ignore_none", {"x": T(LOGITS, True), "t": I([3, -100, 0])}, "a = cross_entropy(x, t, reduction=\"sum\")\nb = cross_entropy(x, t, reduction=\"none\")",
     outputs=["a", "b"], backward={"of": "a"})
case("loss", "ce_1d_input", {"x": T([1.2, -0.4, 0.3], True), "t": I(2)}, "loss = cross_entropy(x, t)")
case("loss", "ce_spatial", {"x": T([[[0.1, 0.5], [0.3, -0.2], [-0.4, 0.9]], [[1.1, -0.3], [0.2, 0.4], [0.6, -0.8]]], True),
                            "t": I([[2, 0], [1, 1]])}, "loss = cross_entropy(x, t)", note="(N, C, d) input")
case("loss", "ce_prob_targets", {"x": T(LOGITS, True), "p": T([[0.1, 0.2, 0.3, 0.4], [0.0, 1.0, 0.0, 0.0], [0.25, 0.25, 0.5, 0.0]])},
     "loss = cross_entropy(x, p)", note="class probabilities as target")
case("loss", "ce_prob_targets_smoothing", {"x": T(LOGITS, True), "p": T([[0.1, 0.2, 0.3, 0.4], [0.0, 1.0, 0.0, 0.0], [0.25, 0.25, 0.5, 0.0]])},
     "loss = cross_entropy(x, p, label_smoothing=0.1, reduction=\"sum\")")
case("loss", "nll", {"x": T(LOGITS, True), "t": TGT, "wts": T(WTS)}, "a = nll_loss(log_softmax(x, dim=1), t)\nb = nll_loss(x, t, weight=wts, reduction=\"sum\")\nloss = a + b")
case("loss", "bce", {"p": T([[0.2, 0.7], [0.9, 0.4]], True), "t": T([[0.0, 1.0], [1.0, 0.3]])}, "loss = binary_cross_entropy(p, t)")
case("loss", "bce_clamp_log", {"p": T([0.0, 1.0, 0.5]), "t": T([1.0, 0.0, 1.0])}, "loss = binary_cross_entropy(p, t, reduction=\"none\")",
     fd=False, note="log terms clamped at -100")
case("loss", "bce_with_logits", {"x": T([[0.2, -1.7], [2.9, 0.4]], True), "t": T([[0.0, 1.0], [1.0, 0.3]]), "pw": T([2.0, 0.5])},
     "a = binary_cross_entropy_with_logits(x, t)\nb = binary_cross_entropy_with_logits(x, t, pos_weight=pw, reduction=\"sum\")\nloss = a + b")
case("loss", "l1", {"x": T(A23, True), "t": T(B23)}, "loss = l1_loss(x, t)")
case("loss", "smooth_l1_beta", {"x": T(A23, True), "t": T(B23)}, "a = smooth_l1_loss(x, t)\nb = smooth_l1_loss(x, t, beta=0.5, reduction=\"sum\")\nloss = a + b")
case("loss", "huber_delta", {"x": T(A23, True), "t": T(B23)}, "a = huber_loss(x, t)\nb = huber_loss(x, t, delta=0.5)\nloss = a + b")
case("loss", "poisson_nll", {"x": T(A23, True), "t": T([[1.0, 0.0, 3.0], [2.0, 1.0, 0.0]])},
     "a = poisson_nll_loss(x, t)\nb = poisson_nll_loss(exp(x), t, log_input=false, full=true)\nloss = a + b")
case("loss", "gaussian_nll", {"x": T(A23, True), "t": T(B23), "v": T(P23, True)},
     "a = gaussian_nll_loss(x, t, v)\nb = gaussian_nll_loss(x, t, v, full=true, reduction=\"sum\")\nloss = a + b")
case("loss", "kl_div", {"x": T(LOGITS, True), "p": T([[0.1, 0.2, 0.3, 0.4], [0.05, 0.8, 0.1, 0.05], [0.25, 0.25, 0.4, 0.1]])},
     "lp = log_softmax(x, dim=1)\na = kl_div(lp, p, reduction=\"batchmean\")\nb = kl_div(lp, log(p), reduction=\"sum\", log_target=true)\nloss = a + b")
case("loss", "margin_ranking", {"a": T(V3, True), "b": T(W3, True), "y": T([1.0, -1.0, 1.0])},
     "loss = margin_ranking_loss(a, b, y, margin=0.1)")
case("loss", "multilabel_margin", {"x": T([[0.1, 0.2, 0.4, 0.8], [0.35, -0.6, 0.9, 0.15]], True), "y": I([[0, 3, -1, -1], [2, -1, 0, 1]])},
     "loss = multilabel_margin_loss(x, y)")
case("loss", "soft_margin", {"x": T(A23, True), "y": T([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]])}, "loss = soft_margin_loss(x, y)")
case("loss", "multilabel_soft_margin", {"x": T(A23, True), "y": T([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]), "w": T([1.0, 2.0, 0.5])},
     "loss = multilabel_soft_margin_loss(x, y, weight=w)")
case("loss", "multi_margin", {"x": T(LOGITS, True), "t": TGT, "wts": T(WTS)},
     "a = multi_margin_loss(x, t)\nb = multi_margin_loss(x, t, p=2, margin=0.5, weight=wts)\nloss = a + b")
case("loss", "triplet_margin", {"a": T(A23, True), "p": T(B23, True), "n": T(P23, True)},
     "l1 = triplet_margin_loss(a, p, n)\nl2 = triplet_margin_loss(a, p, n, margin=2.0, p=1, swap=true)\nloss = l1 + l2")
case("loss", "hinge_embedding", {"x": T(A23, True), "y": T([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]])},
     "loss = hinge_embedding_loss(x, y, margin=1.4)")
case("loss", "cosine_embedding", {"a": T(A23, True), "b": T(B23, True), "y": T([1.0, -1.0])},
     "loss = cosine_embedding_loss(a, b, y, margin=0.2)")
case("loss", "ctc", {"x": T([[[0.1, 0.6, -0.3]], [[0.5, -0.2, 0.4]], [[-0.1, 0.3, 0.9]], [[0.7, 0.2, -0.5]]], True),
                     "tg": I([[1, 2]]), "il": I([4]), "tl": I([2])},
     "lp = log_softmax(x, dim=2)\nloss = ctc_loss(lp, tg, il, tl)")
case("loss", "ctc_impossible", {"x": T([[[0.1, 0.6, -0.3]], [[0.5, -0.2, 0.4]]], True), "tg": I([[1, 1, 2]]), "il": I([2]), "tl": I([3])},
     "lp = log_softmax(x, dim=2)\na = ctc_loss(lp, tg, il, tl, reduction=\"sum\")\nb = ctc_loss(lp, tg, il, tl, reduction=\"sum\", zero_infinity=true)",
     outputs=["a", "b"], backward={"of": "b"}, fd=False, note="inf for impossible alignments unless zero_infinity")

# ---------------------------------------------------------------------------- losses: every option x every reduction
REDS = ("none", "sum", "mean")


def red_case(name, inputs, call, fd2=False, fd=True, note=None, extra_outputs=None):
    """One case per reduction; `call` has a {red} placeholder for the reduction argument."""
    for red in REDS:
        prog = "loss = " + call.format(red=f'reduction="{red}"')
        case("loss", f"{name}_{red}", inputs, prog, backward=go("loss") if red == "none" else None,
             fd=fd, fd2=fd2 and red == "mean", note=note)


# regression
red_case("l1_r", {"x": T(A23, True), "t": T(B23, True)}, "l1_loss(x, t, {red})")
red_case("l1_broadcast", {"x": T(A23, True), "t": T(V3)}, "l1_loss(x, t, {red})")
for beta in (1.0, 0.5, 2.0, 0.0):
    red_case(f"smooth_l1_beta{beta}", {"x": T(A23, True), "t": T(B23, True)}, f"smooth_l1_loss(x, t, {{red}}, beta={beta})",
             fd2=beta == 1.0)
for delta in (1.0, 0.5, 2.0):
    red_case(f"huber_delta{delta}", {"x": T(A23, True), "t": T(B23, True)}, f"huber_loss(x, t, {{red}}, delta={delta})",
             fd2=delta == 0.5)
PT = [[1.5, 0.5, 3.0], [2.0, 0.25, 4.0]]     # Poisson targets away from the full-term switch at 1
for log_input in (True, False):
    for full in (False, True):
        xin = A23 if log_input else P23
        red_case(f"poisson_nll_log{int(log_input)}_full{int(full)}", {"x": T(xin, True), "t": T(PT, True)},
                 f"poisson_nll_loss(x, t, log_input={str(log_input).lower()}, full={str(full).lower()}, {{red}})",
                 fd2=full)
red_case("poisson_nll_eps", {"x": T(P23, True), "t": T([[1.0, 0.0, 3.0], [2.0, 1.0, 0.0]])},
         "poisson_nll_loss(x, t, log_input=false, eps=0.1, {red})")
red_case("poisson_nll_full_t01", {"x": T(A23, True), "t": T([[1.0, 0.0, 3.0], [2.0, 1.0, 0.5]])},
         "poisson_nll_loss(x, t, full=true, {red})", note="Stirling term only where target > 1")
for full in (False, True):
    red_case(f"gaussian_nll_full{int(full)}", {"x": T(A23, True), "t": T(B23, True), "v": T(P23, True)},
             f"gaussian_nll_loss(x, t, v, full={str(full).lower()}, {{red}})", fd2=not full)
red_case("gaussian_nll_var_one_fewer_dim", {"x": T(A23, True), "t": T(B23), "v": T([0.7, 1.9], True)},
         "gaussian_nll_loss(x, t, v, {red})", note="var [N] for input [N, D]: unsqueezed to [N, 1]")
red_case("gaussian_nll_var_last_dim_1", {"x": T(A23, True), "t": T(B23), "v": T([[0.7], [1.9]], True)},
         "gaussian_nll_loss(x, t, v, {red})")
red_case("gaussian_nll_var_0d_for_1d", {"x": T(V3, True), "t": T(W3), "v": T(0.8, True)}, "gaussian_nll_loss(x, t, v, {red})")
red_case("gaussian_nll_eps_clamps", {"x": T(A23, True), "t": T(B23), "v": T(P23, True)},
         "gaussian_nll_loss(x, t, v, eps=0.6, {red})", fd=False,
         note="var clamped at eps under no_grad: the gradient flows as if unclamped")
KLP = [[0.1, 0.2, 0.3, 0.4], [0.05, 0.8, 0.1, 0.05], [0.25, 0.25, 0.4, 0.1]]
for red in REDS + ("batchmean",):
    for lt in (False, True):
        tgt = "log(p)" if lt else "p"
        case("loss", f"kl_div_log_target{int(lt)}_{red}", {"x": T(LOGITS, True), "p": T(KLP, True)},
             f"lp = log_softmax(x, dim=1)\nloss = kl_div(lp, {tgt}, reduction=\"{red}\", log_target={str(lt).lower()})",
             backward=go("loss") if red == "none" else None, fd2=red == "batchmean")
case("loss", "kl_div_zero_target", {"x": T(LOGITS, True), "p": T([[0.0, 0.2, 0.3, 0.5], [0.0, 1.0, 0.0, 0.0], [0.25, 0.25, 0.5, 0.0]])},
     "loss = kl_div(log_softmax(x, dim=1), p, reduction=\"sum\")", note="xlogy: 0 log 0 = 0")
BP = [[0.2, 0.7, 0.55], [0.9, 0.4, 0.05]]
BT = [[0.0, 1.0, 0.3], [1.0, 0.6, 0.0]]
red_case("bce_r", {"p": T(BP, True), "t": T(BT, True)}, "binary_cross_entropy(p, t, {red})", fd2=True)
red_case("bce_weight", {"p": T(BP, True), "t": T(BT), "w": T([[0.5, 2.0, 1.0], [1.5, 1.0, 0.25]])},
         "binary_cross_entropy(p, t, weight=w, {red})")
red_case("bce_weight_broadcast", {"p": T(BP, True), "t": T(BT), "w": T([0.5, 2.0, 1.0])}, "binary_cross_entropy(p, t, w, {red})")
red_case("bce_clamp_edges", {"p": T([0.0, 1.0, 0.5, 1e-30], True), "t": T([1.0, 0.0, 1.0, 0.5])}, "binary_cross_entropy(p, t, {red})",
         fd=False, note="log terms clamped at -100")
BX = [[0.2, -1.7, 0.6], [2.9, 0.4, -0.3]]
red_case("bce_logits_r", {"x": T(BX, True), "t": T(BT, True)}, "binary_cross_entropy_with_logits(x, t, {red})", fd2=True)
red_case("bce_logits_weight", {"x": T(BX, True), "t": T(BT), "w": T([0.5, 2.0, 1.0])},
         "binary_cross_entropy_with_logits(x, t, weight=w, {red})")
red_case("bce_logits_pos_weight", {"x": T(BX, True), "t": T(BT, True), "pw": T([2.0, 0.5, 3.0])},
         "binary_cross_entropy_with_logits(x, t, pos_weight=pw, {red})", fd2=True)
red_case("bce_logits_both", {"x": T(BX, True), "t": T(BT), "w": T([[1.5], [0.5]]), "pw": T([2.0, 0.5, 3.0])},
         "binary_cross_entropy_with_logits(x, t, weight=w, {red}, pos_weight=pw)")
red_case("bce_logits_large", {"x": T([[1000.0, -1000.0, 50.0], [-50.0, 0.0, 1000.0]], True), "t": T(BT), "pw": T([2.0, 0.5, 3.0])},
         "binary_cross_entropy_with_logits(x, t, pos_weight=pw, {red})", fd=False, note="finite for logits of +-1000")

# margin / embedding
MV1, MV2 = [0.4, -1.3, 2.1, 0.9], [1.5, 0.6, -0.8, 0.2]
MY = [1.0, -1.0, 1.0, -1.0]
for margin in (0.0, 0.1, -0.3):
    red_case(f"margin_ranking_m{margin}", {"a": T(MV1, True), "b": T(MV2, True), "y": T(MY)},
             f"margin_ranking_loss(a, b, y, margin={margin}, {{red}})")
HY = [[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]]
for margin in (1.0, 1.4, 0.2):
    red_case(f"hinge_embedding_m{margin}", {"x": T(A23, True), "y": T(HY)}, f"hinge_embedding_loss(x, y, margin={margin}, {{red}})")
red_case("hinge_embedding_int_target", {"x": T(A23, True), "y": I([[1, -1, 1], [-1, -1, 1]])}, "hinge_embedding_loss(x, y, {red})")
red_case("soft_margin_r", {"x": T(A23, True), "y": T(HY)}, "soft_margin_loss(x, y, {red})", fd2=True)
for margin in (0.0, 0.2, -0.5):
    red_case(f"cosine_embedding_m{margin}", {"a": T(A23, True), "b": T(B23, True), "y": T([1.0, -1.0])},
             f"cosine_embedding_loss(a, b, y, margin={margin}, {{red}})", fd2=margin == 0.2)
red_case("cosine_embedding_1d", {"a": T(V3, True), "b": T(W3, True), "y": T(-1.0)}, "cosine_embedding_loss(a, b, y, margin=-0.5, {red})")
ML_X = [[0.1, 0.2, 0.4, 0.8], [0.35, -0.6, 0.9, 0.15], [1.3, 0.05, -0.45, 0.7]]
red_case("multilabel_margin_r", {"x": T(ML_X, True), "y": I([[0, 3, -1, -1], [2, -1, 0, 1], [1, 2, 3, 0]])},
         "multilabel_margin_loss(x, y, {red})", note="the last row has every class as a target: loss 0")
red_case("multilabel_margin_float_target", {"x": T(ML_X, True), "y": T([[3.0, -1.0, 0.0, 0.0], [1.0, 1.0, -1.0, 2.0], [0.0, 2.0, -1.0, 1.0]])},
         "multilabel_margin_loss(x, y, {red})", note="integer-valued float targets are cast; duplicates count twice")
red_case("multilabel_margin_1d", {"x": T([0.1, 0.2, 0.4, 0.8], True), "y": I([0, 3, -1, -1])}, "multilabel_margin_loss(x, y, {red})")
red_case("multilabel_soft_margin_r", {"x": T(A23, True), "y": T([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]], True)},
         "multilabel_soft_margin_loss(x, y, {red})", fd2=True)
red_case("multilabel_soft_margin_weight", {"x": T(A23, True), "y": T([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]), "w": T([1.0, 2.0, 0.5])},
         "multilabel_soft_margin_loss(x, y, weight=w, {red})")
MM_X = [[1.2, -0.4, 0.3, 0.8], [0.1, 0.9, -1.3, 0.25], [-0.6, 0.45, 1.7, -0.2]]
for p in (1, 2):
    for margin in (1.0, 0.35):
        red_case(f"multi_margin_p{p}_m{margin}", {"x": T(MM_X, True), "t": TGT}, f"multi_margin_loss(x, t, p={p}, margin={margin}, {{red}})")
    red_case(f"multi_margin_p{p}_weight", {"x": T(MM_X, True), "t": TGT, "w": T(WTS)}, f"multi_margin_loss(x, t, p={p}, weight=w, {{red}})")
red_case("multi_margin_float_target", {"x": T(MM_X, True), "t": T([2.0, 0.0, 1.0])}, "multi_margin_loss(x, t, {red})")
red_case("multi_margin_1d_0d_target", {"x": T([1.2, -0.4, 0.3, 0.8], True), "t": I(2)}, "multi_margin_loss(x, t, {red})")
red_case("multi_margin_1d_1_target", {"x": T([1.2, -0.4, 0.3, 0.8], True), "t": I([2])}, "multi_margin_loss(x, t, {red})")
TA = [[0.5, -1.2, 2.0, 0.1], [1.5, 0.3, -0.7, 0.9]]
TP = [[-0.4, 0.9, 1.1, 0.3], [0.25, -1.6, 0.8, 0.05]]
TN = [[0.6, -1.0, 1.7, -0.2], [1.1, 0.7, -0.1, 1.3]]
for margin, p, eps, swap in ((1.0, 2.0, 1e-6, False), (2.0, 1.0, 1e-6, True), (0.5, 3.0, 1e-3, False), (1.5, 2.0, 0.1, True)):
    red_case(f"triplet_m{margin}_p{p}_eps{eps}_swap{int(swap)}", {"a": T(TA, True), "p": T(TP, True), "n": T(TN, True)},
             f"triplet_margin_loss(a, p, n, margin={margin}, p={p}, eps={eps}, swap={str(swap).lower()}, {{red}})",
             fd2=(p == 2.0 and not swap))
red_case("triplet_1d", {"a": T(V3, True), "p": T(W3, True), "n": T(Q3, True)}, "triplet_margin_loss(a, p, n, margin=3.0, {red})")
for dist in (None, "pairwise", "cosine"):
    for margin, swap in ((1.0, False), (0.4, True)):
        df = "" if dist is None else f"distance_function=\"{dist}\", "
        red_case(f"triplet_dist_{dist}_m{margin}_swap{int(swap)}", {"a": T(TA, True), "p": T(TP, True), "n": T(TN, True)},
                 f"triplet_margin_with_distance_loss(a, p, n, {df}margin={margin}, swap={str(swap).lower()}, {{red}})",
                 fd2=(dist == "cosine" and not swap))
case("loss", "pairwise_distance", {"a": T(TA, True), "b": T(TP, True)},
     "d2 = pairwise_distance(a, b)\nd1 = pairwise_distance(a, b, p=1.0, eps=0.01, keepdim=true)\nd3 = pairwise_distance(a, b, 3.0)\nloss = sum(d2) + sum(d1) + sum(d3)",
     outputs=["d2", "d1", "d3", "loss"], fd2=True)
case("loss", "pairwise_distance_broadcast", {"a": T(TA, True), "b": T([0.3, -0.2, 0.5, 1.0], True)}, "d = pairwise_distance(a, b)",
     backward=go("d"))
case("loss", "cosine_similarity", {"a": T(X234, True), "b": T(X234[::-1], True)},
     "c1 = cosine_similarity(a, b)\nc0 = cosine_similarity(a, b, dim=0)\nc2 = cosine_similarity(a, b, dim=-1, eps=0.5)\nloss = sum(c1) + sum(c0) + sum(c2)",
     outputs=["c1", "c0", "c2", "loss"], fd2=True)
case("loss", "cosine_similarity_broadcast_small_norm", {"a": T([[1e-9, 2e-9, 5e-10], [0.3, 0.4, 0.5]], True), "b": T([0.5, -0.2, 0.1], True)},
     "c = cosine_similarity(a, b, dim=1)", backward=go("c"), fd=False, note="squared norms clamped at eps^2 in value only")

# ctc: log_probs from log_softmax of [T=6, N=2, C=4] logits
CTC_X = [[[0.1, 0.6, -0.3, 0.2], [0.5, -0.2, 0.4, 0.1]], [[0.5, -0.2, 0.4, -0.6], [0.3, 0.9, -0.1, 0.0]],
         [[-0.1, 0.3, 0.9, 0.45], [0.2, -0.4, 0.6, 0.8]], [[0.7, 0.2, -0.5, 0.3], [-0.3, 0.1, 0.25, 0.5]],
         [[0.05, -0.35, 0.15, 0.65], [0.4, 0.3, -0.2, -0.7]], [[0.9, 0.1, 0.3, -0.4], [0.6, -0.5, 0.35, 0.2]]]
for red in REDS:
    case("loss", f"ctc_padded_{red}", {"x": T(CTC_X, True), "tg": I([[1, 2, 2], [3, 1, 0]]), "il": I([6, 5]), "tl": I([3, 2])},
         f"lp = log_softmax(x, dim=2)\nloss = ctc_loss(lp, tg, il, tl, reduction=\"{red}\")", backward=go("loss") if red == "none" else None,
         note="repeated label 2 2 needs a blank between; second sequence shorter than T")
    case("loss", f"ctc_concat_{red}", {"x": T(CTC_X, True), "tg": I([1, 2, 2, 3, 1]), "il": I([6, 5]), "tl": I([3, 2])},
         f"lp = log_softmax(x, dim=2)\nloss = ctc_loss(lp, tg, il, tl, reduction=\"{red}\")", backward=go("loss") if red == "none" else None)
    case("loss", f"ctc_blank2_lists_{red}", {"x": T(CTC_X, True), "tg": T([[1.0, 3.0, 0.0], [3.0, 3.0, 1.0]])},
         f"lp = log_softmax(x, dim=2)\nloss = ctc_loss(lp, tg, [6, 6], [3, 3], blank=2, reduction=\"{red}\")",
         backward=go("loss") if red == "none" else None, note="float targets and list lengths are cast to int64")
    case("loss", f"ctc_unbatched_{red}", {"x": T([r[0] for r in CTC_X], True), "tg": I([1, 3]), "il": I(6), "tl": I(2)},
         f"lp = log_softmax(x, dim=1)\nloss = ctc_loss(lp, tg, il, tl, reduction=\"{red}\")", backward=go("loss") if red == "none" else None)
    case("loss", f"ctc_zero_infinity_{red}", {"x": T(CTC_X, True), "tg": I([[1, 1, 1, 2], [3, 1, 0, 0]]), "il": I([4, 6]), "tl": I([4, 2])},
         f"lp = log_softmax(x, dim=2)\nloss = ctc_loss(lp, tg, il, tl, reduction=\"{red}\", zero_infinity=true)",
         backward=go("loss") if red == "none" else None, fd=False, note="the first sequence is impossible: 0 and zero gradient")
case("loss", "ctc_empty_target_and_input", {"x": T(CTC_X, True), "tg": I([[0, 0], [1, 2]]), "il": I([0, 6]), "tl": I([0, 2])},
     "lp = log_softmax(x, dim=2)\nloss = ctc_loss(lp, tg, il, tl, reduction=\"none\")", backward=go("loss"),
     note="input_length 0 with target_length 0: loss 0 (PyTorch 1.13 reads another sequence's alphas when such an "
          "element is not the first of the batch; only the first-element answer is well defined)")
case("loss", "ctc_impossible_inf", {"x": T(CTC_X), "tg": I([[1, 1, 1, 2], [3, 1, 0, 0]]), "il": I([4, 6]), "tl": I([4, 2])},
     "lp = log_softmax(x, dim=2)\nloss = ctc_loss(lp, tg, il, tl, reduction=\"none\")",
     fd=False, note="inf without zero_infinity (PyTorch's gradient there is NaN; not compared)")
case("loss", "ce_float_class_indices", {"x": T(LOGITS, True), "t": T([3.0, 1.0, 0.0])}, "loss = cross_entropy(x, t)\nl2 = nll_loss(x, t)",
     outputs=["loss", "l2"], backward={"of": "loss"}, note="API.md: integer-valued float class indices are cast to int64")

# cross_entropy / nll_loss: weight x ignore_index x label_smoothing x reduction
for wname, wts in (("now", None), ("w", WTS)):
    for ii in (-100, 1):
        inputs = {"x": T(LOGITS, True), "t": I([3, 1, 0])}
        wa = ""
        if wts is not None:
            inputs["wts"] = T(wts)
            wa = "weight=wts, "
        for ls in (0.0, 0.2):
            red_case(f"ce_{wname}_ii{ii}_ls{ls}", inputs, f"cross_entropy(x, t, {wa}ignore_index={ii}, {{red}}, label_smoothing={ls})")
        red_case(f"nll_{wname}_ii{ii}", inputs, f"nll_loss(log_softmax(x, dim=1), t, {wa}ignore_index={ii}, {{red}})")
    red_case(f"ce_prob_{wname}", {"x": T(LOGITS, True), "p": T(KLP, True), **({"wts": T(wts)} if wts else {})},
             f"cross_entropy(x, p, {'weight=wts, ' if wts else ''}{{red}}, label_smoothing=0.1)")

# ============================================================================ creation
case("creation", "zeros_ones", {}, "a = zeros([2, 3])\nb = ones(2, 3)\nc = zeros(3, dtype=\"$DT\")\nd = ones([2], dtype=\"$DT\")",
     outputs=["a", "b", "c", "d"])
case("creation", "full", {}, "a = full([2, 2], 1.5)\nb = full([3], 2)\nc = full([2], -0.25, dtype=\"$DT\")\nd = full([1], true)",
     outputs=["a", "b", "c", "d"], note="integer fill gives int64, bool fill gives bool (PyTorch >= 1.7)")
case("creation", "like", {"x": T(A23, True)}, "a = zeros_like(x)\nb = ones_like(x)\ny = x * ones_like(x) + zeros_like(x) + full([2, 3], 0.5)",
     outputs=["a", "b", "y"], backward=go("y"))
case("creation", "like_int", {"n": I([1, 2])}, "a = zeros_like(n)\nb = ones_like(n, dtype=\"$DT\")", outputs=["a", "b"])
case("creation", "arange", {}, "a = arange(5)\nb = arange(1, 4)\nc = arange(0, 1, 0.25)\nd = arange(0, 2, 0.5, dtype=\"$DT\")\ne = arange(1.0, 4.0)",
     outputs=["a", "b", "c", "d", "e"], note="integer arguments give int64")
case("creation", "linspace", {}, "a = linspace(-1, 1, 5)\nb = linspace(0, 1, 1)\nc = linspace(2, 3, 4, dtype=\"$DT\")", outputs=["a", "b", "c"])
case("creation", "eye", {}, "a = eye(3)\nb = eye(2, 3)\nc = eye(2, dtype=\"$DT\")", outputs=["a", "b", "c"])
case("creation", "in_graph_with_grad", {"x": T(A23, True)}, "y = x @ eye(3, dtype=\"$DT\") + arange(3) * x",
     backward=go("y"))

# ============================================================================ autograd ops
case("autograd", "grad_cubic", {"x": T(V3, True)}, "y = x ** 3\ng = grad(y, x)", outputs=["y", "g"], backward=go("g"), fd2=True)
case("autograd", "grad_scalar_fn", {"x": T(A23, True)}, "y = sum(sin(x) * x)\ng = grad(y, x)", outputs=["g"], backward=go("g"))
case("autograd", "grad_with_v", {"x": T(V3, True), "v": T([1.0, -2.0, 0.5])}, "y = exp(x) * x\ng = grad(y, x, v)\nh = vjp(y, x, v)",
     outputs=["g", "h"], backward=go("g"))
case("autograd", "grad_unused_zero", {"x": T(V3, True), "w": T(W3, True)}, "y = sum(w * w)\ng = grad(y, x)\nz = sum(g) + y",
     outputs=["g", "z"], fd=False, note="grad of a value not depending on x is zeros")
case("autograd", "grad_of_constant_grad", {"x": T(V3, True)}, "y = 3 * x\ng = grad(y, x)\nh = grad(g, x)", outputs=["g", "h"],
     backward=go("g"), fd=False)
case("autograd", "grad_two_inputs", {"x": T(V3, True), "w": T(W3, True)}, "y = sum(x * x * w)\ngx = grad(y, x)\ngw = grad(y, w)\nz = sum(gx * gw)",
     outputs=["gx", "gw", "z"], fd2=True)
case("autograd", "grad_intermediate", {"x": T(V3, True)}, "h = x * 2\ny = sum(sin(h))\ng = grad(y, h)", outputs=["g"], backward=go("g"))
case("autograd", "second_order", {"x": T(V3, True)}, "y = sum(x ** 4)\nh = grad(grad(y, x), x)", outputs=["h"], backward=go("h"))
case("autograd", "third_order", {"x": T(V3, True)}, "y = x ** 4\ng3 = grad(sum(grad(grad(y, x), x)), x)",
     outputs=["g3"], backward=go("g3"), note="d3/dx3 x^4 = 24x; its gradient is 24")
case("autograd", "third_order_mixed", {"x": T([0.7, -0.4], True), "w": T([1.3, 0.6], True)},
     "y = sum(sin(x) * exp(w) * x)\ngx = grad(y, x)\ngxw = grad(gx, w)\ng3 = grad(sum(grad(gxw, x)), w)",
     outputs=["gx", "gxw", "g3"], backward=go("g3"), fd2=True)
case("autograd", "fourth_order", {"x": T([0.3, 0.8], True)}, "y = sin(x) * x\nd1 = grad(y, x)\nd2 = grad(d1, x)\nd3 = grad(d2, x)\nd4 = grad(d3, x)",
     outputs=["d1", "d2", "d3", "d4"], backward=go("d4"), tol={"float32": {"rtol": 1e-3, "atol": 1e-5}})
case("autograd", "jacobian", {"x": T(V3, True)}, "y = x[0] * x + sin(x)\nJ = jacobian(y, x)", outputs=["J"], backward=go("J"), nodes=False)
case("autograd", "jacobian_matrix_shapes", {"x": T(A23, True), "m": T(M32)}, "y = tanh(x @ m)\nJ = jacobian(y, x)", outputs=["J"],
     backward=go("J"))
case("autograd", "jacobian_softmax", {"x": T([0.2, -0.5, 1.1], True)}, "J = jacobian(softmax(x, dim=0), x)", outputs=["J"], backward=go("J"))
case("autograd", "hessian", {"x": T(V3, True)}, "y = sum(x ** 3) + x[0] * x[1] * x[2]\nH = hessian(y, x)", outputs=["y", "H"],
     backward=go("H"), nodes=False)
case("autograd", "hessian_matrix_input", {"x": T([[0.5, -1.2], [0.3, 0.9]], True)}, "y = sum(exp(x) * x.sum())\nH = hessian(y, x)",
     outputs=["H"], backward=go("H"))
case("autograd", "hessian_logsumexp", {"x": T(V3, True)}, "H = hessian(logsumexp(x, dim=0), x)", outputs=["H"], backward=go("H"))
case("autograd", "hessian_of_mse", {"w": T(W3, True), "x": T(A23), "t": T([0.5, -0.5])},
     "loss = mse_loss(x @ w, t)\nH = hessian(loss, w)\ng = grad(loss, w)", outputs=["loss", "g", "H"], backward={"of": "loss"}, fd2=True)
case("autograd", "detach", {"x": T(V3, True)}, "y = x * detach(x)\nz = sum(y) + sum(x.detach() ** 2)", outputs=["y", "z"], fd=False,
     note="gradient flows only through the first factor: dz/dx = x")
case("autograd", "detach_in_grad", {"x": T(V3, True)}, "y = sum(x ** 2 * detach(x))\ng = grad(y, x)\nh = grad(sum(g), x)", outputs=["g", "h"],
     backward={"of": "y"}, fd=False)
case("autograd", "vjp", {"x": T(A23, True), "v": T([[1.0, 0.5, -1.0], [0.0, 2.0, 1.0]])}, "y = x * sin(x)\ng = vjp(y, x, v)",
     outputs=["g"], backward=go("g"))
case("autograd", "jvp", {"x": T(V3, True), "u": T([1.0, 0.0, -0.5])}, "y = x * exp(x)\nd = jvp(y, x, u)", outputs=["d"], backward=go("d"))
case("autograd", "jvp_matrix", {"x": T(A23, True), "m": T(M32, True), "u": T([[0.1, 0.2, 0.3], [-0.3, -0.2, 0.1]])},
     "y = tanh(x @ m)\nd = jvp(y, x, u)", outputs=["d"], backward=go("d"))
case("autograd", "hvp", {"x": T(V3, True), "v": T([1.0, -1.0, 0.5])}, "y = sum(x ** 3) + x[0] * x[1]\nhv = hvp(y, x, v)",
     outputs=["hv"], backward=go("hv"), nodes=False)
case("autograd", "hvp_equals_hessian_times_v", {"x": T(V3, True), "v": T([0.3, 0.2, -0.7])},
     "y = logsumexp(x * x, dim=0)\nhv = hvp(y, x, v)\nHv = hessian(y, x) @ v\ndiff = hv - Hv", outputs=["hv", "Hv", "diff"],
     backward={"of": "y"}, tol={"float32": {"rtol": 2e-4, "atol": 1e-5}})
case("autograd", "backward_wrt_intermediate", {"x": T(V3, True)}, "h = exp(x)\ny = sum(h * h)",
     backward={"of": "y", "wrt": ["h", "x"]}, nodes=True, fd=False)
case("autograd", "backward_of_non_last", {"x": T(V3, True), "w": T(W3, True)}, "a = sum(x * w)\nb = sum(x + w)",
     outputs=["a", "b"], backward={"of": "a", "wrt": ["w"]})
case("autograd", "backward_default_last_output", {"x": T(V3, True), "w": T(W3, True)}, "a = sum(x * w)\nb = sum(x * x)",
     outputs=["b", "a"], note="without backward, the gradient of the last output (a) for every requires_grad input")
case("autograd", "backward_of_constant_zeros", {"x": T(V3, True), "c": T(W3)}, "y = sum(x)\nk = sum(c * 2)",
     outputs=["y", "k"], backward={"of": "k", "wrt": ["x"]}, fd=False,
     note="API.md: gradients of values that do not depend on a wrt entry are zeros (PyTorch would raise)")
case("autograd", "grad_output_nonscalar", {"x": T(A23, True)}, "y = x * x", backward={"of": "y", "grad_output": T([[1.0, 0.0, 2.0], [0.5, -1.0, 1.0]])})

# ============================================================================ broadcasting / type promotion
case("promotion", "int64_plus_float", {"n": I([[1, 2, 3], [4, 5, 6]]), "x": T(V3, True)}, "y = n + x", backward=go("y"),
     note="int64 + float tensor -> float")
case("promotion", "int64_python_numbers", {"n": I([1, 2, 3])}, "a = n * 2\nb = n / 2\nc = n * 2.5\nd = n + true\ne = n ** 2\nf = -n",
     outputs=["a", "b", "c", "d", "e", "f"], dtypes=(F32,), note="int * int -> int64; true division and float scalars -> float32")
case("promotion", "float_keeps_dtype_with_python_float", {"x": T(V3, True)}, "y = x * 2.5 + 1\nz = 3 / x", outputs=["y", "z"],
     backward=go("y"), note="a Python number keeps the tensor's dtype")
case("promotion", "zero_dim_f64_with_f32_vector", {"s": D(1.5, "float64", True), "x": D(V3, "float32", True)}, "y = s * x",
     backward=go("y"), dtypes=(F32,), fd=False, note="0-d float64 does not promote a float32 vector: result float32; s.grad float64")
case("promotion", "number_input_is_f32_0d", {"s": 1.5, "x": D(V3, "float64", True)}, "y = s * x\nz = s + 1", outputs=["y", "z"],
     backward=go("y"), dtypes=(F32,))
case("promotion", "f32_vector_with_f64_vector", {"a": D(V3, "float32", True), "b": D(W3, "float64", True)}, "y = a * b",
     backward=go("y"), dtypes=(F32,), fd=False, note="same category, both dimensioned: float64")
case("promotion", "f32_matrix_with_f64_0d_and_int", {"x": D(A23, "float32", True), "s": D(2.0, "float64"), "n": I([1, 2, 3])},
     "y = x * s + n", backward=go("y"), dtypes=(F32,))
case("promotion", "int_0d_with_float_vector", {"k": I(3), "x": T(V3, True)}, "y = k * x", backward=go("y"))
case("promotion", "bool_ops", {"x": T(A23), "w": T(B23)}, "a = x > w\nb = x <= 0.3\nc = x == x\nd = x != w\ne = x >= 0.5\nf = x < w",
     outputs=["a", "b", "c", "d", "e", "f"], fd=False, nodes=False)
case("promotion", "bool_times_float", {"x": T(A23, True), "w": T(B23)}, "m = x > w\ny = m * x + (x < 0) * 2", backward=go("y"), nodes=False)
case("promotion", "broadcast_outer", {"a": T([[0.5], [-1.2]], True), "b": T([[0.3, 0.8, -0.1]], True)}, "y = a * b + a - b",
     backward=go("y"))
case("promotion", "broadcast_3d", {"x": T(X234, True), "c": T([[0.5], [1.5], [-0.5]], True), "d": T([1.0, 2.0, 3.0, 4.0], True)},
     "y = x * c + d", backward=go("y"))
case("promotion", "broadcast_0d_tensor", {"s": T(0.75, True), "x": T(A23, True)}, "y = s * x + s", backward=go("y"))

# ============================================================================ edge cases
case("edge", "softmax_large", {"x": T([1000.0, 1001.0, 1002.0], True)}, "p = softmax(x, dim=0)\nl = log_softmax(x, dim=0)\nm = softmin(x, dim=0)",
     outputs=["p", "l", "m"], backward=go("p"), fd=False)
case("edge", "sigmoid_saturated", {"x": T([-100.0, 100.0, -20.0, 20.0], True)}, "y = sigmoid(x)\nl = logsigmoid(x)\nt = tanh(x)",
     outputs=["y", "l", "t"], backward=go("y"), fd=False)
case("edge", "nan_propagates", {"x": T([1.0, "NaN", -2.0], True)}, "y = exp(x)\ns = sum(x)\nm = max(x)\nr = relu(x)\nc = clamp(x, min=0.0, max=1.0)",
     outputs=["y", "s", "m", "r", "c"], backward=go("y"), fd=False)
case("edge", "infinity_values", {"x": T(["Infinity", "-Infinity", 0.5], True)},
     "e = exp(x)\ns = sigmoid(x)\nt = tanh(x)\nr = relu(x)\na = abs(x)\nm = amax(x)", outputs=["e", "s", "t", "r", "a", "m"],
     backward=go("s"), fd=False)
case("edge", "produces_nonfinite", {"x": T([0.0, -1.0, 4.0], True)}, "l = log(x)\nq = sqrt(x)\nd = 1 / x\nz = x / x",
     outputs=["l", "q", "d", "z"], backward=go("q"), fd=False)
case("edge", "logsumexp_all_neg_inf", {"x": T([["-Infinity", "-Infinity"], [0.0, "-Infinity"]])}, "y = logsumexp(x, dim=1)", fd=False)
case("edge", "max_with_nan", {"x": T([[1.0, "NaN"], [3.0, 2.0]])}, "a = max(x)\nb = max(x, dim=1)\nc = amax(x, dim=0)\nd = argmax(x, dim=1)",
     outputs=["a", "b", "c", "d"], fd=False)
case("edge", "empty_dim_shapes", {"x": T([[0.5, -1.2, 2.0]], True)}, "y = sum(x, dim=0)\nz = squeeze(x, 0) * 2", outputs=["y", "z"],
     backward=go("z"))

# ============================================================================ expected errors (PyTorch rejects them)
error("shape_mismatch_add", {"inputs": {"a": [1, 2, 3], "b": [1, 2, 3, 4]}, "program": "c = a + b"},
      note="API.md quotes this message")
error("shape_mismatch_add_2d", {"inputs": {"a": [[1, 2, 3], [4, 5, 6]], "b": [[1, 2, 3, 4], [5, 6, 7, 8]]}, "program": "c = a + b"})
error("matmul_mismatch", {"inputs": {"a": [[1, 2, 3], [4, 5, 6]], "b": [[1, 2], [3, 4]]}, "program": "c = a @ b"})
error("matmul_dtype_mismatch", {"inputs": {"n": {"data": [1, 2], "dtype": "int64"}, "x": [1.0, 2.0]}, "program": "c = n @ x"})
error("cat_mismatch", {"inputs": {"a": [[1, 2, 3]], "b": [[1, 2]]}, "program": "c = cat([a, b], dim=0)"})
error("reshape_bad_numel", {"inputs": {"a": [1, 2, 3]}, "program": "c = reshape(a, [2, 2])"})
error("expand_non_singleton", {"inputs": {"a": [1, 2, 3]}, "program": "c = expand(a, [4])"})
error("non_scalar_backward", {"inputs": {"x": {"data": [1, 2, 3], "requires_grad": True}}, "program": "y = x * 2",
                              "backward": {"of": "y"}})
error("non_scalar_default_backward", {"inputs": {"x": {"data": [1, 2, 3], "requires_grad": True}}, "program": "y = x * 2"},
      note="without backward the last output is back-propagated: must be scalar")
error("grad_output_shape_mismatch", {"inputs": {"x": {"data": [1, 2, 3], "requires_grad": True}}, "program": "y = x * 2",
                                     "backward": {"of": "y", "grad_output": [1, 2]}})
error("int_requires_grad_seed000", {"inputs": {"w": {"data": [2], "dtype": "int64", "requires_grad": True}}, "program": "y = w * 2"},
      note="seed 000: w = torch.full([1], 2) is int64; requires_grad_() fails")
error("cross_entropy_target_out_of_range", {"inputs": {"x": [[1.0, 2.0], [0.5, 0.1]], "t": {"data": [0, 5], "dtype": "int64"}},
                                            "program": "l = cross_entropy(x, t)"})
error("cross_entropy_float_class_target_non_integer", {"inputs": {"x": [[1.0, 2.0], [0.5, 0.1]], "t": [0.5, 1.0]},
                                                       "program": "l = cross_entropy(x, t)"},
      note="integer-valued float class indices are cast (loss/ce_float_class_indices); 0.5 is not a class index")
error("margin_ranking_dims_seed002", {"inputs": {"x1": [[1], [2], [3]], "x2": [[2], [2], [2]], "target": [1, 1, -1]},
                                      "program": "loss = margin_ranking_loss(x1, x2, target, reduction=\"none\")"},
      note="seed 002 shows the old broadcasting result [[1,1,0],[0,0,0],[0,0,1]]")
error("cosine_embedding_2d_target_seed002", {"inputs": {"x1": [[0.3, 0.5, 0.7], [0.3, 0.5, 0.7]], "x2": [[0.1, 0.3, 0.5], [0.1, 0.3, 0.5]],
                                                        "target": [[1, -1]]},
                                             "program": "loss = cosine_embedding_loss(x1, x2, target, reduction=\"none\")"},
      note="seed 002 passes a 2-D target [[1, -1]]")
error("negative_slice_step", {"inputs": {"x": [1, 2, 3]}, "program": "y = x[::-1]"})
error("index_out_of_range", {"inputs": {"x": [1, 2, 3]}, "program": "y = x[3]"})
error("hessian_non_scalar", {"inputs": {"x": {"data": [1, 2], "requires_grad": True}}, "program": "H = hessian(x * x, x)"})
error("unknown_kwarg", {"inputs": {"x": [1, 2, 3]}, "program": "y = sum(x, dims=0)"})
error("unknown_op", {"inputs": {"x": [1, 2, 3]}, "program": "y = frobnicate(x)"}, torch_rejects=False)
error("unknown_name", {"inputs": {"x": [1, 2, 3]}, "program": "y = x + q"}, torch_rejects=False)
error("unknown_output", {"inputs": {"x": [1, 2, 3]}, "program": "y = x + 1", "outputs": ["z"]}, torch_rejects=False)
error("syntax_error", {"inputs": {"x": [1, 2, 3]}, "program": "y = x +\nz = y"}, status=400, torch_rejects=False)
error("view_non_contiguous", {"inputs": {"x": [[1, 2, 3], [4, 5, 6]]}, "program": "y = view(t(x), [6])"},
      note="PyTorch: view size is not compatible with input tensor's size and stride")
error("matmul_bool_float", {"inputs": {"b": {"data": [True, False], "dtype": "bool"}, "x": [1.0, 2.0]}, "program": "y = b @ x"})

# loss errors
error("bce_input_out_of_range", {"inputs": {"p": [0.5, 1.5], "t": [1.0, 0.0]}, "program": "l = binary_cross_entropy(p, t)"})
error("bce_target_size", {"inputs": {"p": [[0.5, 0.2]], "t": [1.0, 0.0]}, "program": "l = binary_cross_entropy(p, t)"})
error("bce_logits_target_size", {"inputs": {"x": [[0.5, 0.2]], "t": [1.0, 0.0, 1.0]}, "program": "l = binary_cross_entropy_with_logits(x, t)"})
error("huber_delta_zero", {"inputs": {"x": [0.5], "t": [1.0]}, "program": "l = huber_loss(x, t, delta=0.0)"})
error("smooth_l1_negative_beta", {"inputs": {"x": [0.5], "t": [1.0]}, "program": "l = smooth_l1_loss(x, t, beta=-1.0)"})
error("gaussian_nll_var_size", {"inputs": {"x": [[0.5, 1.0, 2.0]], "t": [[1.0, 0.0, 1.0]], "v": [1.0, 2.0]},
                                "program": "l = gaussian_nll_loss(x, t, v)"})
error("gaussian_nll_negative_var", {"inputs": {"x": [0.5, 1.0], "t": [1.0, 0.0], "v": [1.0, -2.0]},
                                    "program": "l = gaussian_nll_loss(x, t, v)"})
error("kl_div_bad_reduction", {"inputs": {"x": [-0.5, -1.0], "t": [0.3, 0.7]}, "program": "l = kl_div(x, t, reduction=\"avg\")"})
error("multi_margin_target_out_of_range", {"inputs": {"x": [[0.5, 1.0, 2.0]], "t": {"data": [3], "dtype": "int64"}},
                                           "program": "l = multi_margin_loss(x, t)"})
error("multi_margin_p3", {"inputs": {"x": [[0.5, 1.0, 2.0]], "t": {"data": [1], "dtype": "int64"}},
                          "program": "l = multi_margin_loss(x, t, p=3)"})
error("multi_margin_non_integer_target", {"inputs": {"x": [[0.5, 1.0, 2.0]], "t": [1.5]}, "program": "l = multi_margin_loss(x, t)"})
error("multilabel_margin_target_out_of_range", {"inputs": {"x": [[0.5, 1.0, 2.0]], "t": {"data": [[0, 3, -1]], "dtype": "int64"}},
                                                "program": "l = multilabel_margin_loss(x, t)"})
error("multilabel_margin_target_size", {"inputs": {"x": [[0.5, 1.0, 2.0]], "t": {"data": [[0, 1]], "dtype": "int64"}},
                                        "program": "l = multilabel_margin_loss(x, t)"})
error("triplet_dims", {"inputs": {"a": [[0.5, 1.0]], "p": [0.5, 1.0], "n": [[0.5, 1.0]]}, "program": "l = triplet_margin_loss(a, p, n)"})
error("cosine_embedding_1d_target_1d_inputs", {"inputs": {"a": [0.5, 1.0], "b": [0.5, 1.0], "y": [1.0, -1.0]},
                                               "program": "l = cosine_embedding_loss(a, b, y)"})
error("ctc_input_length_too_long", {"inputs": {"lp": [[[-1.0, -0.5]], [[-0.7, -0.7]]], "tg": {"data": [[1]], "dtype": "int64"}},
                                    "program": "l = ctc_loss(lp, tg, [3], [1])"})
error("ctc_blank_out_of_range", {"inputs": {"lp": [[[-1.0, -0.5]], [[-0.7, -0.7]]], "tg": {"data": [[1]], "dtype": "int64"}},
                                 "program": "l = ctc_loss(lp, tg, [2], [1], blank=2)"})
error("ctc_targets_too_short", {"inputs": {"lp": [[[-1.0, -0.5]], [[-0.7, -0.7]]], "tg": {"data": [[1]], "dtype": "int64"}},
                                "program": "l = ctc_loss(lp, tg, [2], [2])"})
error("ctc_concat_size", {"inputs": {"lp": [[[-1.0, -0.5]], [[-0.7, -0.7]]], "tg": {"data": [1, 1, 1], "dtype": "int64"}},
                          "program": "l = ctc_loss(lp, tg, [2], [2])"})
error("ctc_non_integer_lengths", {"inputs": {"lp": [[[-1.0, -0.5]], [[-0.7, -0.7]]], "tg": {"data": [[1]], "dtype": "int64"}},
                                  "program": "l = ctc_loss(lp, tg, [1.5], [1])"})
error("ctc_batch_size", {"inputs": {"lp": [[[-1.0, -0.5]], [[-0.7, -0.7]]], "tg": {"data": [[1]], "dtype": "int64"}},
                         "program": "l = ctc_loss(lp, tg, [2, 2], [1])"})

# ============================================================================ /v1/activations
# Requests in the POST /v1/activations/{name} body format; generate.py answers them with
# torch.nn.functional and writes test/fixtures/activations-parity.json. Every case runs in
# float32 (nested arrays, the default dtype) and float64 ({"data", "dtype"}), with
# "jacobian": true unless stated. grad_output, when given, is a fixed pattern in the case's dtype.
ACTIVATION_CASES: list[dict] = []

ACT_V = [-3.0, -1.5, -0.6, -0.2, 0.0, 0.3, 0.9, 2.5]           # 1-D, one zero
ACT_M = [[-1.2, 0.4, 2.2], [0.7, -0.3, 1.5]]                     # 2-D, for grad_output and dims
ACT_KINKS = [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0]          # where piecewise ones switch
ACT_LARGE = [-100.0, -30.0, -5.0, 5.0, 30.0, 100.0]
GO_PATTERN = [0.75, -0.25, 1.25, 0.5, -1.0, 0.25, 1.5, -0.5]


def act_case(name, label, input, options=None, grad_output=False, jacobian=True, dtypes=(F32, F64), tol=None, note=None):
    """One activation call; `grad_output=True` adds the fixed pattern shaped like the input."""
    for dt in dtypes:
        body = {"input": input if dt == F32 else {"data": input, "dtype": dt}}
        body.update(options or {})
        if grad_output:
            flat = []

            def shape_like(v):
                if isinstance(v, list):
                    return [shape_like(e) for e in v]
                flat.append(GO_PATTERN[len(flat) % len(GO_PATTERN)])
                return flat[-1]
            go_data = shape_like(input)
            body["grad_output"] = go_data if dt == F32 else {"data": go_data, "dtype": dt}
        if jacobian:
            body["jacobian"] = True
        ACTIVATION_CASES.append({"name": f"{name}/{label}[{dt}]", "activation": name, "request": body,
                                 "tol": tol, "note": note})


# Options by activation: each option set is one more case (defaults always run).
ACT_OPTIONS = {
    "sigmoid": [], "tanh": [], "relu": [], "selu": [], "silu": [], "mish": [], "softsign": [],
    "hardsigmoid": [], "hardswish": [], "relu6": [], "logsigmoid": [], "tanhshrink": [],
    "leaky_relu": [{"negative_slope": 0.1}, {"negative_slope": 0.0}, {"negative_slope": 1.5}],
    "elu": [{"alpha": 0.5}, {"alpha": 2.0}],
    "celu": [{"alpha": 0.5}, {"alpha": 2.0}],
    "gelu": [{"approximate": "tanh"}, {"approximate": "none"}],
    "softplus": [{"beta": 2.0}, {"threshold": 1.0}, {"beta": 2.0, "threshold": 5.0}, {"beta": 0.5, "threshold": 0.5}],
    "hardtanh": [{"min_val": -2.0, "max_val": 0.5}, {"min_val": 0.0, "max_val": 6.0}],
    "hardshrink": [{"lambd": 1.0}, {"lambd": 0.1}],
    "softshrink": [{"lambd": 1.0}, {"lambd": 0.1}],
    "threshold": [{"threshold": 0.1, "value": 20.0}, {"threshold": -1.0, "value": -2.0}],
}
ACT_REQUIRED = {"threshold": {"threshold": 0.5, "value": -1.0}}
PIECEWISE = {"relu", "leaky_relu", "relu6", "hardtanh", "hardsigmoid", "hardswish", "hardshrink", "softshrink",
             "threshold", "elu", "celu", "selu"}

for _act, _variants in ACT_OPTIONS.items():
    _base = ACT_REQUIRED.get(_act, {})
    act_case(_act, "defaults", ACT_V, _base)
    for _opts in _variants:
        act_case(_act, ",".join(f"{k}={v}" for k, v in _opts.items()), ACT_V, {**_base, **_opts})
    act_case(_act, "grad_output_2d", ACT_M, _base, grad_output=True)
    if _act in PIECEWISE:
        act_case(_act, "kinks", ACT_KINKS, _base, note="derivatives at the switch points follow PyTorch's conventions")
    act_case(_act, "large", ACT_LARGE, _base, note="saturated regions: no overflow, no NaN")

for _act in ("softmax", "log_softmax", "softmin"):
    act_case(_act, "1d_dim_none", ACT_V, note="dim=None: PyTorch's legacy rule picks dim 0 for 1-D")
    act_case(_act, "1d_dim0", ACT_V, {"dim": 0})
    act_case(_act, "2d_dim_none", ACT_M, note="dim=None: PyTorch's legacy rule picks dim 1 for 2-D")
    act_case(_act, "2d_dim0", ACT_M, {"dim": 0}, grad_output=True)
    act_case(_act, "2d_dim1", ACT_M, {"dim": 1}, grad_output=True)
    act_case(_act, "2d_dim-1", ACT_M, {"dim": -1})
    act_case(_act, "float32_to_float64", ACT_M, {"dim": 1, "dtype": "float64"}, dtypes=(F32,),
             note="dtype casts the input first: a float64 output, a float32 gradient")
    act_case(_act, "3d_dim1", [[[0.1, -0.4], [1.2, 0.3]], [[-0.7, 0.5], [0.2, 2.0]]], {"dim": 1}, grad_output=True)

# hardswish'(3): PyTorch's scalar kernel gives 1.5 (x/3 + 1/2), its vectorised CPU path 1;
# which one an element gets depends on its position (the tail of a 16-float / 8-double chunk
# is scalar). The engine follows the scalar kernel everywhere: with 7 elements PyTorch does too.
act_case("hardswish", "kink_at_3_scalar_path", [-3.0, -1.0, 0.0, 1.0, 2.9, 3.0, 3.1],
         note="hardswish'(3) = 1.5, PyTorch's scalar kernel (its vectorised path gives 1)")

# Numerical stability where PyTorch is stable.
act_case("softmax", "stable_1000", [1000.0, 1001.0, 1002.0], {"dim": 0}, note="the API.md example: p_i(δ_ij − p_j)")
act_case("softmax", "stable_mixed", [1000.0, 0.0, -1000.0], {"dim": 0})
act_case("log_softmax", "stable_1000", [1000.0, 1001.0, 1002.0], {"dim": 0})
act_case("log_softmax", "stable_mixed", [10000.0, 0.0, -10000.0], {"dim": 0})
act_case("softmin", "stable_1000", [-1000.0, -1001.0, -1002.0], {"dim": 0})
act_case("sigmoid", "stable_100", [-100.0, -88.0, 0.0, 88.0, 100.0])
act_case("logsigmoid", "stable_100", [-100.0, -88.0, 0.0, 88.0, 100.0])
act_case("softplus", "above_threshold", [15.0, 19.9, 20.0, 20.1, 25.0, 100.0], note="linear once beta * x > threshold")
act_case("softplus", "above_threshold_beta", [2.0, 2.4, 2.5, 2.6, 4.0, 50.0], {"beta": 2.0, "threshold": 5.0})
act_case("tanh", "stable_100", [-100.0, -20.0, 20.0, 100.0])

# The API.md example, as it is written there (float32, no Jacobian).
act_case("leaky_relu", "api_md_example", [-2.0, -0.5, 0.0, 1.5], {"negative_slope": 0.1}, jacobian=False, dtypes=(F32,))
