"""The shop's tasks, written as Django's Tasks documentation shows them.

``pack_order`` is still the Celery task it was before the shop moved to Django's Tasks
framework: it runs on the same conveyor worker pool until it moves to ``@task`` too.
"""

from celery import shared_task
from django.db.models import F
from django.utils import timezone

try:
    from django.tasks import TaskContext, task  # Django 6
except ImportError:
    from django_tasks import TaskContext, task  # Django 5.2: the django-tasks backport

from example.shop.models import Order


@task
def fulfil_order(order_id: int) -> dict:
    order = Order.objects.get(pk=order_id)
    order.fulfilled_at = timezone.now()
    order.save(update_fields=["fulfilled_at"])
    return {"order": order.pk, "item": order.item, "quantity": order.quantity}


@task(takes_context=True)
def send_receipt(context: TaskContext, order_id: int) -> str:
    """Mail the receipt. The mail server turns the first try away, as servers do."""
    Order.objects.filter(pk=order_id).update(receipt_attempts=F("receipt_attempts") + 1)
    order = Order.objects.get(pk=order_id)
    if context.attempt == 1:
        raise ConnectionError("the mail server is busy; try again later")
    order.receipt_sent = True
    order.save(update_fields=["receipt_sent"])
    return (
        f"Receipt for order {order.pk}: {order}, sent on attempt {context.attempt} "
        f"of task result {context.task_result.id}"
    )


@shared_task(bind=True)
def pack_order(self, order_id: int) -> None:
    """Not moved yet: a Celery task, sent with ``pack_order.delay(order_id)``."""
    Order.objects.filter(pk=order_id).update(packed_by=self.request.hostname)
