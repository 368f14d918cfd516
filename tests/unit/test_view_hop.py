"""A request's sync work is one thread hop under the API's ASGI handler (config/asgi.py,
core/view_hop.py): Django alone hops to a thread for ``request_started``'s receivers, for
the CSRF ``process_view``, for the view, to render, and to close the response."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from tests.procs import fresh_python_report

# The API's application as gunicorn loads it, in a fresh interpreter (loading it changes
# Django's signals for the whole process); each ``sync_to_async`` call counted.
SCRIPT = textwrap.dedent("""
    import asyncio, json
    from asgiref import sync
    from conveyor.config.asgi import application

    hops = []
    run_in_thread = sync.SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        hops.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await run_in_thread(self, *args, **kwargs)

    sync.SyncToAsync.__call__ = counted

    async def get(path):
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": b"", "root_path": "", "headers": [(b"host", b"localhost")],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
        }
        asked = []
        sent = []

        async def receive():
            if not asked:
                asked.append(True)
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # the client stays until the answer is sent

        async def send(message):
            sent.append(message)

        hops.clear()
        await application(scope, receive, send)
        return sent[0]["status"], list(hops)

    status, readyz_hops = asyncio.run(get("/readyz"))
    live, healthz_hops = asyncio.run(get("/healthz"))
    report = {"status": status, "hops": readyz_hops, "live": live, "live_hops": healthz_hops}
    print(json.dumps(report))
""")


def test_a_lean_request_makes_one_thread_hop(tmp_path: Path) -> None:
    # when: /readyz (a sync view, on a path without browser middleware) is served, by a
    # process whose database answers (a 503 would be logged on a hop of its own)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'hops.sqlite3'}"}
    report = fresh_python_report(SCRIPT, env)

    # then: it answers, and its view, rendering and close took a single hop
    assert report["status"] == 200
    assert report["hops"] == ["in_one_hop.<locals>.run"]
    # and /healthz, an async view, answers on the event loop: its only hop is the close
    # (request_finished's sync receivers), after the answer has been sent
    assert report["live"] == 200
    assert report["live_hops"] == ["HttpResponseBase.close"]
