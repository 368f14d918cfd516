"""The queue resource's output shapes."""

from __future__ import annotations

from rest_framework import serializers


class QueueMetricsOutput(serializers.Serializer[object]):
    """What KEDA's metrics-api scaler reads (``valueLocation: backlog``)."""

    backlog = serializers.IntegerField(help_text="waiting + running: the work left")
    waiting = serializers.IntegerField(help_text="queued jobs not yet claimed by a worker")
    running = serializers.IntegerField(help_text="jobs a worker runs or is cancelling")
    scheduled = serializers.IntegerField(help_text="scheduled or retrying, waiting for run_at")
    oldest_waiting_seconds = serializers.FloatField(help_text="age of the oldest queued job")
    paused = serializers.BooleanField(
        help_text="an operator paused the queue: its jobs wait, no worker takes one"
    )


class QueueOutput(QueueMetricsOutput):
    name = serializers.CharField()
    workers = serializers.IntegerField(help_text="distinct workers running a job of the queue")


class WorkerOutput(serializers.Serializer[object]):
    name = serializers.CharField(help_text="the worker's Celery hostname; jobs' lease owner")
    queues = serializers.ListField(
        child=serializers.CharField(), help_text="the queues it was started to consume"
    )
    concurrency = serializers.IntegerField(help_text="how many jobs it runs at once")
    heartbeat_age_seconds = serializers.FloatField(help_text="seconds since it last reported")
    running_job_ids = serializers.ListField(
        child=serializers.UUIDField(), help_text="the jobs it runs now"
    )
    version = serializers.CharField(help_text="conveyor's version it runs")
    started_at = serializers.DateTimeField()
