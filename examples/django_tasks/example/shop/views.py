import json

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from example.shop.models import Order, TaskEvent
from example.shop.tasks import fulfil_order, pack_order, send_receipt

TASKS = {"fulfil_order": fulfil_order, "send_receipt": send_receipt}
# The card processor declines orders above this many items.
CARD_LIMIT = 10


class PaymentDeclined(Exception):
    pass


def charge(order: Order) -> None:
    if order.quantity > CARD_LIMIT:
        raise PaymentDeclined(f"the card was declined for {order.quantity} items")


@csrf_exempt
@require_POST
def place_order(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    try:
        with transaction.atomic():
            order = Order.objects.create(item=body["item"], quantity=body["quantity"])
            fulfilment = fulfil_order.enqueue(order.pk)
            receipt = send_receipt.enqueue(order.pk)
            charge(order)  # declined: the order and its tasks are rolled back together
    except PaymentDeclined as exc:
        return JsonResponse({"error": str(exc)}, status=402)
    return JsonResponse(
        {"order": order.pk, "fulfil_order": fulfilment.id, "send_receipt": receipt.id},
        status=201,
    )


@csrf_exempt
@require_POST
def pack(request: HttpRequest, order_id: int) -> JsonResponse:
    """Celery code not yet moved to Django's Tasks: ``.delay()``, as before."""
    sent = pack_order.delay(order_id)
    return JsonResponse({"order": order_id, "celery_task_id": sent.id}, status=202)


@require_GET
def order_detail(request: HttpRequest, order_id: int) -> JsonResponse:
    order = Order.objects.get(pk=order_id)
    return JsonResponse(
        {
            "item": order.item,
            "fulfilled": order.fulfilled_at is not None,
            "receipt_attempts": order.receipt_attempts,
            "receipt_sent": order.receipt_sent,
            "packed_by": order.packed_by,
        }
    )


@require_GET
def task_result(request: HttpRequest, task_name: str, result_id: str) -> JsonResponse:
    """The task's result, from the ``TASKS`` backend ``?backend=`` names (``default``)."""
    task = TASKS[task_name].using(backend=request.GET.get("backend", "default"))
    result = task.get_result(result_id)
    return JsonResponse(
        {
            "id": result.id,
            "status": result.status,
            "return_value": result.return_value if result.status == "SUCCESSFUL" else None,
            "args": result.args,
            "kwargs": result.kwargs,
            "attempts": result.attempts,
            "errors": [
                {"exception_class_path": e.exception_class_path, "traceback": e.traceback}
                for e in result.errors
            ],
            "worker_ids": result.worker_ids,
            "enqueued_at": result.enqueued_at,
            "started_at": result.started_at,
            "last_attempted_at": result.last_attempted_at,
            "finished_at": result.finished_at,
        }
    )


@require_GET
def task_events(request: HttpRequest, result_id: str) -> JsonResponse:
    """What Django's task signals recorded for one result (shop/signals.py)."""
    events = TaskEvent.objects.filter(result_id=result_id).order_by("at", "pk")
    return JsonResponse(
        {"events": [{"signal": e.signal, "status": e.status, "backend": e.backend} for e in events]}
    )
