"""A request's sync work is one thread hop under the API's ASGI handler (config/asgi.py,
core/view_hop.py): Django alone hops to a thread for ``request_started``'s receivers, for
the CSRF ``process_view``, for the view, to render, and to close the response."""

from __future__ import annotations

import textwrap

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

    status, healthz_hops = asyncio.run(get("/healthz"))
    print(json.dumps({"status": status, "hops": healthz_hops}))
""")


def test_a_lean_request_makes_one_thread_hop() -> None:
    # when: /healthz (a sync view, on a path without browser middleware) is served
    report = fresh_python_report(SCRIPT)

    # then: it answers, and its view, rendering and close took a single hop
    assert report["status"] == 200
    assert report["hops"] == ["in_one_hop.<locals>.run"]
