"""A local HTTP server that http.request jobs call: fixed answers, slow answers, toggles."""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class QuietServer(ThreadingHTTPServer):
    """Says nothing when a client hangs up before its answer (a job's timeout, say)."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class Target:
    server: ThreadingHTTPServer
    failing: set[str] = field(default_factory=set)
    hits: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def count(self, path: str) -> int:
        with self.lock:
            return self.hits.get(path, 0)


def start_target() -> Target:
    target: Target

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def _answer(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            with target.lock:
                target.hits[parts.path] = target.hits.get(parts.path, 0) + 1
            length = int(self.headers.get("content-length") or 0)
            received = self.rfile.read(length) if length else b""
            status = 200
            if parts.path.startswith("/status/"):
                status = int(parts.path.split("/")[2])  # /status/<code>[/anything]
            elif parts.path.startswith("/toggle/"):
                status = 500 if parts.path.split("/")[2] in target.failing else 200
            elif parts.path == "/slow":
                time.sleep(min(float(query.get("seconds", ["1"])[0]), 60))
            body = json.dumps(
                {
                    "path": parts.path,
                    "method": self.command,
                    "received": received.decode(errors="replace"),
                }
            ).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = _answer

    server = QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    target = Target(server=server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return target
