from django.db import models


class Order(models.Model):
    item = models.CharField(max_length=100)
    quantity = models.PositiveIntegerField()
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    receipt_attempts = models.PositiveIntegerField(default=0)
    receipt_sent = models.BooleanField(default=False)
    # the Celery worker that packed the order (pack_order, a @shared_task)
    packed_by = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.quantity} x {self.item}"


class TaskEvent(models.Model):
    """What Django's task signals told the shop: its audit trail of its tasks."""

    signal = models.CharField(max_length=20)  # enqueued, started, finished
    task = models.CharField(max_length=200)
    result_id = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=20)
    backend = models.CharField(max_length=100)  # the class that sent it
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.task} {self.signal} {self.status}"
