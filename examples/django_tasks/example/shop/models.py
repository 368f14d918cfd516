from django.db import models


class Order(models.Model):
    item = models.CharField(max_length=100)
    quantity = models.PositiveIntegerField()
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    receipt_attempts = models.PositiveIntegerField(default=0)
    receipt_sent = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.quantity} x {self.item}"
