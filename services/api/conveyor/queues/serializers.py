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


class QueueOutput(QueueMetricsOutput):
    name = serializers.CharField()
    workers = serializers.IntegerField(help_text="distinct workers running a job of the queue")
