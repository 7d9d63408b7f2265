"""A Seldon Core v1 unit over HTTP, standard library only.

It answers as the Python wrapper (`seldon-core-microservice`) does for the calls the executor
makes: the port from PREDICTIVE_UNIT_HTTP_SERVICE_PORT (1.2.1: PREDICTIVE_UNIT_SERVICE_PORT),
parameters from PREDICTIVE_UNIT_PARAMETERS, `meta.requestPath` and `meta.tags` carried through,
and errors as `{"status": {...}}`. Real units would use seldon-core itself; this keeps the
example free of dependencies.
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CASTS = {"INT": int, "FLOAT": float, "DOUBLE": float, "STRING": str, "BOOL": lambda v: v.lower() == "true"}


def parameters():
    """PREDICTIVE_UNIT_PARAMETERS as keyword arguments (later duplicates win)."""
    raw = json.loads(os.environ.get("PREDICTIVE_UNIT_PARAMETERS") or "[]")
    return {p["name"]: CASTS[p.get("type", "STRING")](p["value"]) for p in raw}


def features(message):
    """The message's data as nested lists (ndarray or tensor)."""
    data = message.get("data") or {}
    if "ndarray" in data:
        return data["ndarray"]
    tensor = data.get("tensor")
    if tensor is None:
        raise ValueError("expected data.ndarray or data.tensor")
    values, shape = tensor["values"], tensor["shape"]
    if len(shape) != 2:
        raise ValueError("expected a 2-d tensor")
    return [values[i * shape[1]:(i + 1) * shape[1]] for i in range(shape[0])]


def reply(request_meta, rows, tags, kind):
    """A SeldonMessage of `rows`, in the request's kind, with the wrapper's meta rules."""
    unit = os.environ.get("PREDICTIVE_UNIT_ID")
    path = dict(request_meta.get("requestPath") or {})
    if unit:
        path = {unit: os.environ.get("PREDICTIVE_UNIT_IMAGE", ""), **path}
    meta = {"requestPath": path} if path else {}
    merged = {**(request_meta.get("tags") or {}), **tags}
    if merged:
        meta["tags"] = merged
    names = [f"t:{i}" for i in range(len(rows[0]))] if rows else []
    if kind == "tensor":
        data = {"names": names, "tensor": {"shape": [len(rows), len(names)], "values": [v for r in rows for v in r]}}
    else:
        data = {"names": names, "ndarray": rows}
    return {"data": data, "meta": meta}


def kind_of(message):
    return "tensor" if "tensor" in (message.get("data") or {}) else "ndarray"


def serve(handlers):
    """Serves `handlers` (path -> function(body) -> message) until the process is stopped."""

    class Handler(BaseHTTPRequestHandler):
        def answer(self, code, body):
            payload = json.dumps(body, sort_keys=True).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            if self.path in ("/health/ping", "/health/status", "/api/v1.0/health/status"):
                self.answer(200, {"meta": {}, "strData": "healthy"})
            else:
                self.answer(404, {"status": {"code": -1, "info": "not found", "reason": "MICROSERVICE_BAD_DATA", "status": 1}})

        def do_POST(self):
            handler = handlers.get(self.path)
            if handler is None:
                self.answer(404, {"status": {"code": -1, "info": f"{self.path} not served", "reason": "MICROSERVICE_BAD_DATA", "status": 1}})
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            except ValueError:
                self.answer(400, {"status": {"code": -1, "info": "Can't find JSON in data", "reason": "MICROSERVICE_BAD_DATA", "status": 1}})
                return
            try:
                self.answer(200, handler(body))
            except (ValueError, KeyError, TypeError, IndexError) as error:
                self.answer(400, {"status": {"code": -1, "info": str(error), "reason": "MICROSERVICE_BAD_DATA", "status": 1}})

        def log_message(self, format, *args):
            sys.stderr.write("%s\n" % (format % args))

    port = int(os.environ.get("PREDICTIVE_UNIT_HTTP_SERVICE_PORT") or os.environ.get("PREDICTIVE_UNIT_SERVICE_PORT") or 9000)
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"{os.environ.get('PREDICTIVE_UNIT_ID', 'unit')} serving on 127.0.0.1:{port}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
