"""The Dramatiq peer: a queue that keeps no state, wired as Dramatiq's docs say.

A Redis broker (``RedisBroker(url=…, namespace=…)``, ``dramatiq.set_broker``), one
no-op actor with the default middleware, and ``dramatiq bench.dramatiq_peer.app -p 2
-t 8`` as its worker. Dramatiq has no HTTP API: the benchmark submits through a DRF view
as small as the Celery baseline's (``views.py``), which calls ``.send()``, so the
submit figures compare the same kind of request on every side.
"""
