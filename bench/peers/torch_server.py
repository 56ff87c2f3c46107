"""FastAPI + PyTorch peer of POST /v1/graph for the benches.

It parses the same JSON body as gradserve (inputs as nested lists,
{"data", "shape", "dtype", "requires_grad"} objects or {"shape", "dtype",
"base64"} objects), runs one of the programs it knows, back-propagates
`backward.of` with respect to `backward.wrt` and answers in gradserve's
response format (`"encoding": "base64"` gives base64 tensors, as ours does).
Anything else is a 422. The programs, selected by their exact text:

- graph-222 (bench/graph-222.js): the 2-2-2 sigmoid network, both forms
  (`x @ w1.T` and pre-transposed `x @ w1t`);
- mlp-http (bench/mlp-http.js): batch 256, 784 -> 512 -> 10, relu,
  cross_entropy on int64 class indices, weights stored [in, out].

Run: /usr/bin/python3 -m uvicorn torch_server:app --app-dir bench/peers \
       --host 127.0.0.1 --port 8000 --workers 2
"""
import base64

import torch
import torch.nn.functional as F
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

torch.set_num_threads(1)  # one thread per uvicorn worker, as gradserve's workers use one BLAS thread

DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64, "bool": torch.bool}


def net_t(v):
    h = torch.sigmoid(v["x"] @ v["w1"].T + v["b1"])
    o = torch.sigmoid(h @ v["w2"].T + v["b2"])
    return {"h": h, "o": o, "loss": F.mse_loss(o, v["t"])}


def net_pre_t(v):
    h = torch.sigmoid(v["x"] @ v["w1t"] + v["b1"])
    o = torch.sigmoid(h @ v["w2t"] + v["b2"])
    return {"h": h, "o": o, "loss": F.mse_loss(o, v["t"])}


def mlp(v):
    h = torch.relu(v["x"] @ v["w1"] + v["b1"])
    o = h @ v["w2"] + v["b2"]
    return {"h": h, "o": o, "loss": F.cross_entropy(o, v["y"])}


PROGRAMS = {
    "h = sigmoid(x @ w1.T + b1)\no = sigmoid(h @ w2.T + b2)\nloss = mse_loss(o, t)": net_t,
    "h = sigmoid(x @ w1t + b1)\no = sigmoid(h @ w2t + b2)\nloss = mse_loss(o, t)": net_pre_t,
    "h = relu(x @ w1 + b1)\no = h @ w2 + b2\nloss = cross_entropy(o, y)": mlp,
}

app = FastAPI()


def tensor(spec):
    if isinstance(spec, dict):
        dtype = DTYPES[spec.get("dtype", "float32")]
        if "base64" in spec:
            # bytearray: a writable buffer, so frombuffer shares it without a warning or a copy.
            raw = bytearray(base64.b64decode(spec["base64"]))
            t = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        else:
            t = torch.tensor(spec["data"], dtype=dtype)
        if "shape" in spec:
            t = t.reshape(spec["shape"])
        return t.requires_grad_(bool(spec.get("requires_grad", False)))
    return torch.tensor(spec, dtype=torch.float32)


def encoder(encoding):
    def encode(t):
        t = t.detach()
        out = {"shape": list(t.shape), "dtype": str(t.dtype).removeprefix("torch.")}
        if encoding == "base64":
            out["base64"] = base64.b64encode(t.contiguous().numpy().tobytes()).decode("ascii")
        else:
            out["data"] = t.tolist()
        return out

    return encode


@app.get("/readyz")
def readyz():
    return {"status": "ready"}


@app.post("/v1/graph")
async def graph(request: Request):
    body = await request.json()
    run = PROGRAMS.get(body.get("program"))
    if run is None:
        return JSONResponse({"title": "unsupported program", "status": 422}, status_code=422)
    inputs = {name: tensor(spec) for name, spec in body["inputs"].items()}
    values = {**inputs, **run(inputs)}
    outputs = body.get("outputs") or ["loss"]
    encode = encoder(body.get("encoding", "json"))
    res = {"outputs": {name: encode(values[name]) for name in outputs}}
    bw = body.get("backward")
    if bw:
        wrt = bw.get("wrt") or [n for n, t in inputs.items() if t.requires_grad]
        grads = torch.autograd.grad(values[bw["of"]], [values[n] for n in wrt])
        res["grads"] = {n: encode(g) for n, g in zip(wrt, grads)}
    # JSONResponse directly: FastAPI's jsonable_encoder walk of a returned dict is skipped.
    return JSONResponse(res)
