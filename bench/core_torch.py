"""PyTorch side of bench/core.js: the same MLP (batch 256, 784 -> 512 -> 10,
relu, cross_entropy on int64 class indices, float32, weights stored
[in, out]) forward + backward of weights and biases, and a 512^3 matmul.
Median ms over ITERS runs after WARMUP, with 1 thread and then torch's
default thread count (and one per core when that differs). --json prints {label: {mlpMs, gemmGflops}}.
"""
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

try:
    import numpy as np
except ImportError:  # numpy is optional: only the OpenBLAS reference needs it
    np = None

ITERS = int(os.environ.get("ITERS", 30))
WARMUP = int(os.environ.get("WARMUP", 5))
N, IN, HIDDEN, OUT = 256, 784, 512, 10


def median_ms(fn):
    for _ in range(WARMUP):
        fn()
    times = []
    for _ in range(ITERS):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def measure():
    g = torch.Generator().manual_seed(0)
    b1, b2 = IN ** -0.5, HIDDEN ** -0.5
    x = torch.rand(N, IN, generator=g)
    params = [
        ((torch.rand(IN, HIDDEN, generator=g) * 2 - 1) * b1).requires_grad_(),
        ((torch.rand(HIDDEN, generator=g) * 2 - 1) * b1).requires_grad_(),
        ((torch.rand(HIDDEN, OUT, generator=g) * 2 - 1) * b2).requires_grad_(),
        ((torch.rand(OUT, generator=g) * 2 - 1) * b2).requires_grad_(),
    ]
    target = torch.randint(0, OUT, (N,), generator=g, dtype=torch.int64)

    def mlp():
        w1, c1, w2, c2 = params
        loss = F.cross_entropy(torch.relu(x @ w1 + c1) @ w2 + c2, target)
        return torch.autograd.grad(loss, params)

    a, b = torch.rand(512, 512, generator=g) * 2 - 1, torch.rand(512, 512, generator=g) * 2 - 1
    gemm_ms = median_ms(lambda: a @ b)
    return {"mlpMs": median_ms(mlp), "gemmGflops": 2 * 512 ** 3 / (gemm_ms * 1e6)}


def openblas_direct():
    """numpy's float32 a @ b is one cblas_sgemm call into the system BLAS
    (Debian: libopenblas, threads from OPENBLAS_NUM_THREADS, 1 under the bench)."""
    if np is None:
        return None
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (512, 512)).astype(np.float32)
    b = rng.uniform(-1, 1, (512, 512)).astype(np.float32)
    ms = median_ms(lambda: a @ b)
    return {"gemmGflops": 2 * 512 ** 3 / (ms * 1e6), "source": f"numpy {np.__version__} a @ b (cblas_sgemm, system OpenBLAS)"}


def main():
    default_threads = torch.get_num_threads()
    # Before torch changes any thread count (torch.set_num_threads may reach the BLAS).
    openblas = openblas_direct()
    results = {}
    # torch's default may be 1 (Debian's build on this machine says so); one
    # thread per core is measured too when it differs.
    for threads in sorted({1, default_threads, os.cpu_count() or 1}):
        torch.set_num_threads(threads)
        label = f"torch {torch.__version__}, {threads} thread{'s' if threads > 1 else ''}"
        label += " (default)" if threads == default_threads else " (set)" if threads > 1 else ""
        results[label] = measure()
    if "--json" in sys.argv:
        print(json.dumps({"results": results, "openblas": openblas}))
    else:
        for label, r in results.items():
            print(f"{label:40s}  MLP {r['mlpMs']:8.2f} ms   GEMM {r['gemmGflops']:7.1f} GFLOP/s")
        if openblas:
            print(f"{openblas['source']:40s}  GEMM {openblas['gemmGflops']:7.1f} GFLOP/s")


if __name__ == "__main__":
    main()
