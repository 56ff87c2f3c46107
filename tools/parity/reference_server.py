#!/usr/bin/env python3
"""A PyTorch stand-in for POST /v1/graph, to validate the parity tests themselves.

    /usr/bin/python3 tools/parity/reference_server.py [port]   # default 18777

Answers any POST with evaluator.evaluate(body) (program or nodes form), 400/422 problem
JSON on errors. Pointing a throw-away buildApp() at it (proxying /v1/graph) makes
test/parity/*.test.ts pass, which shows the fixture, the comparison code and the
finite-difference cases (no kinks, consistent Hessians) are right. Not part of the service.
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402

from evaluator import ProgramSyntaxError, evaluate  # noqa: E402

torch.set_num_threads(1)


def _lit(v):
    return json.dumps(v).replace("Infinity", "inf")


def nodes_to_program(nodes, names):
    lines = []
    for n in nodes:
        args = [a if isinstance(a, str) else _lit(a) for a in n.get("args", [])]
        args += [f"{k}={v if isinstance(v, str) and v in names else _lit(v)}" for k, v in n.get("kwargs", {}).items()]
        lines.append(f"{n['id']} = {n['op']}({', '.join(args)})")
        names.add(n["id"])
    return "\n".join(lines)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if "nodes" in body:
            body["program"] = nodes_to_program(body["nodes"], set(body["inputs"]))
        try:
            out, status, ct = evaluate(body), 200, "application/json"
        except ProgramSyntaxError as e:
            out, status, ct = {"status": 400, "title": "Bad request", "detail": str(e)}, 400, "application/problem+json"
        except Exception as e:  # noqa: BLE001
            out, status, ct = ({"status": 422, "title": "Unprocessable", "detail": str(e).split("\n")[0]},
                               422, "application/problem+json")
        data = json.dumps(out, allow_nan=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", ct)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 18777
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
