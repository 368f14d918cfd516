"""A local stand-in for KEDA and the HPA, to prove a pool's ScaledObject on one machine.

It reads a ScaledObject (as the chart renders it), polls the real metric its trigger names
(Prometheus or the API's metrics-api endpoint), applies KEDA's activation and cooldown rules
and the HPA's replica formula, tolerance, stabilization windows and rate-limit policies
(``rules.py``, after ../shared/notes/keda-scaling.md), and starts or SIGTERMs real
``celery worker`` processes to match (``pool.py``). Used by the tests and ``make
autoscale-demo``; in a cluster, KEDA and the HPA do this.
"""
