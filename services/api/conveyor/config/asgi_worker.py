"""gunicorn's worker class for the API: uvicorn's, serving ``config/asgi.py``.

uvicorn's defaults, but without the lifespan protocol (Django has none, and says so in
every process's log) and without a ``Server`` header that names the server.
"""

from __future__ import annotations

from typing import Any, ClassVar

from uvicorn_worker import UvicornWorker


class ApiWorker(UvicornWorker):  # type: ignore[misc]
    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {
        **UvicornWorker.CONFIG_KWARGS,
        "lifespan": "off",
        "server_header": False,
    }
