"""The hand-wired baseline: a plain DRF view calling a plain Celery task's ``.delay()``.

What a team writes without conveyor: no database, no authentication, no job row; the
broker message is the only record. Configured from the environment by ``bench.sides``.
"""
