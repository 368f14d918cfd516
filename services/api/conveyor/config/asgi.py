"""The ASGI application gunicorn serves (``config/gunicorn.py``: uvicorn's worker).

An event loop per process: a connection, slow or idle, costs no thread; the middleware
runs on the loop (each is async-capable, core/middleware.py); a long-poll waits on the
loop (jobs/longpoll.py); sync views run in asgiref's threads, each request's in a thread
of its own, and take a database connection from the process's pool
(``DATABASE_POOL_MAX_SIZE``, on by default here) only while they run.
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

# The API's connections per process; a request needing one while all are in use waits
# for one (DATABASE_POOL_TIMEOUT). Workers and beat, which do not come here, keep
# persistent connections.
API_DATABASE_POOL_MAX_SIZE = 4

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conveyor.config.settings.base")
os.environ.setdefault("DATABASE_POOL_MAX_SIZE", str(API_DATABASE_POOL_MAX_SIZE))

application = get_asgi_application()
