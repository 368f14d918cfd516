"""Handler of ``http.request`` (``conveyor/jobtypes/http_request.py``)."""

from __future__ import annotations

from typing import Any

from conveyor.jobs.types import JobContext
from conveyor.jobtypes.http_request import HTTP_REQUEST, HttpRequestParams
from conveyor_worker.httpclient import send
from conveyor_worker.registry import handler


@handler(HTTP_REQUEST)
def http_request(ctx: JobContext, params: HttpRequestParams) -> dict[str, Any]:
    """Call a URL; the result holds the status, the headers and a bounded body."""
    return send(params, log=ctx.log).as_result()
