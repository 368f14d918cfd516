"""What operators and workers store about queues: which are paused, which workers serve
them. Jobs and their counts are the jobs app's (``conveyor.jobs.models``)."""

from __future__ import annotations

from django.db import models


class PausedQueue(models.Model):
    """A queue an operator paused: its jobs stay queued and no worker takes one until it is
    resumed (``conveyor/queues/pausing.py``). No row: the queue runs."""

    #: The queue's name, as jobs name it.
    name = models.CharField(max_length=100, primary_key=True)
    paused_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class WorkerPresence(models.Model):
    """A worker process as it last reported itself (``conveyor_worker/presence.py``), every
    ``CONVEYOR_WORKER_REPORT_SECONDS``. A worker that stopped reporting for
    ``CONVEYOR_WORKER_GONE_AFTER_SECONDS`` is gone (``conveyor/queues/workers.py``)."""

    #: Celery's hostname of the worker (``celery@pod``), as a running job's ``lease_owner``.
    name = models.CharField(max_length=200, primary_key=True)
    #: The queues it was started to consume, paused ones included.
    queues = models.JSONField(default=list)
    #: Its pool's processes (or threads): how many jobs it runs at once.
    concurrency = models.PositiveIntegerField(default=0)
    #: conveyor's version it runs.
    version = models.CharField(max_length=50, blank=True, default="")
    started_at = models.DateTimeField()
    #: When it last reported.
    seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["seen_at"], name="worker_seen")]

    def __str__(self) -> str:
        return self.name
