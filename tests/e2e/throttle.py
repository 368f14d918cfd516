"""A loopback proxy in front of a real API that refuses the first requests with a 429 (or
a 503) and ``Retry-After``, as an API gateway's rate limit would, then forwards the rest.
It lets a client's retries be seen against the real API behind it."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

HOP_BY_HOP = frozenset({"connection", "transfer-encoding", "content-length", "keep-alive"})


@dataclass
class Throttle:
    server: ThreadingHTTPServer
    refusals: int
    status: int = 429
    retry_after: str = "1"
    seen: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)  # time.monotonic() of each request
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_throttle(upstream: str, refusals: int, status: int = 429) -> Throttle:
    throttle: Throttle

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            with throttle.lock:
                throttle.seen.append(f"{self.command} {self.path}")
                throttle.times.append(time.monotonic())
                refuse = throttle.refusals > 0
                throttle.refusals -= refuse
            if refuse:
                problem = json.dumps(
                    {
                        "type": "https://conveyor.dev/problems/throttled",
                        "title": "Too many requests",
                        "status": throttle.status,
                        "detail": "Slow down.",
                    }
                ).encode()
                self.send_response(throttle.status)
                self.send_header("content-type", "application/problem+json")
                self.send_header("retry-after", throttle.retry_after)
                self.send_header("content-length", str(len(problem)))
                self.end_headers()
                self.wfile.write(problem)
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            answer = httpx.request(
                self.command, upstream + self.path, content=body, headers=headers, timeout=60
            )
            self.send_response(answer.status_code)
            for name, value in answer.headers.items():
                if name.lower() not in HOP_BY_HOP | {"content-encoding"}:
                    self.send_header(name, value)
            self.send_header("content-length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_PATCH = do_DELETE = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    throttle = Throttle(server=server, refusals=refusals, status=status)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return throttle
