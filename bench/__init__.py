"""conveyor's benchmark: conveyor next to a hand-wired DRF + Celery baseline, same run.

``python -m bench`` (``make bench``) starts real processes on the local PostgreSQL and
Redis, runs every scenario on every side, and prints one table of ratios.
"""
