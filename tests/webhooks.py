"""Webhook receivers for tests: the verification snippet of docs/webhooks.md, run as
written, and a real HTTP server that records what it is sent and answers as told."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parent.parent / "docs" / "webhooks.md"
MARKER = "<!-- verify-snippet"


@dataclass(frozen=True)
class Snippet:
    verify: Callable[..., str]
    invalid: type[Exception]
    source: str


@cache
def documented_snippet() -> Snippet:
    """The first ``python`` block after the marker in docs/webhooks.md, executed (once)."""
    text = DOC.read_text()
    after = text[text.index(MARKER) :]
    found = re.search(r"```python\n(.*?)```", after, re.DOTALL)
    assert found is not None, "no python block after the verify-snippet marker"
    source = found.group(1)
    namespace: dict[str, Any] = {}
    exec(compile(source, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    return Snippet(
        verify=namespace["verify_webhook"],
        invalid=namespace["InvalidSignature"],
        source=source,
    )


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass
class Receiver:
    """Answers each path with the statuses queued for it (``answer``), then 200."""

    server: ThreadingHTTPServer
    script: dict[str, list[int]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def answer(self, path: str, *statuses: int) -> None:
        with self.lock:
            self.script[path] = list(statuses)

    def to(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_receiver() -> Receiver:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            with receiver.lock:
                receiver.received.append(
                    Received(
                        path=self.path,
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=body,
                    )
                )
                queued = receiver.script.get(self.path, [])
                status = queued.pop(0) if queued else 200
            answer = b"" if status < 300 else f"no thanks ({status})".encode()
            self.send_response(status)
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = Receiver(server=server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver
