"""FastAPI + PyTorch peer of POST /v1/graph for the 2-2-2 bench only.

It parses the same JSON body as gradserve (inputs as nested lists or
{"data", "requires_grad", "dtype"} objects), runs the one program it knows
(either form of the 2-2-2 sigmoid network), back-propagates `backward.of`
and answers in gradserve's response format. Anything else is a 422.

Run: /usr/bin/python3 -m uvicorn torch_server:app --app-dir bench/peers \
       --host 127.0.0.1 --port 8000 --workers 2
"""
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


PROGRAMS = {
    "h = sigmoid(x @ w1.T + b1)\no = sigmoid(h @ w2.T + b2)\nloss = mse_loss(o, t)": net_t,
}

app = FastAPI()


def tensor(spec):
    if isinstance(spec, dict):
        dtype = DTYPES[spec.get("dtype", "float32")]
        t = torch.tensor(spec["data"], dtype=dtype)
        if "shape" in spec:
            t = t.reshape(spec["shape"])
        return t.requires_grad_(bool(spec.get("requires_grad", False)))
    return torch.tensor(spec, dtype=torch.float32)


def encode(t):
    t = t.detach()
    return {"shape": list(t.shape), "dtype": str(t.dtype).removeprefix("torch."), "data": t.tolist()}


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
    res = {"outputs": {name: encode(values[name]) for name in outputs}}
    bw = body.get("backward")
    if bw:
        wrt = bw.get("wrt") or [n for n, t in inputs.items() if t.requires_grad]
        grads = torch.autograd.grad(values[bw["of"]], [values[n] for n in wrt])
        res["grads"] = {n: encode(g) for n, g in zip(wrt, grads)}
    return res
