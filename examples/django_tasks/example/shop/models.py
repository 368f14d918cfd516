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
