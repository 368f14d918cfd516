"""Deleting many rows without a long lock: a bounded batch per short transaction."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from conveyor.core import database


def delete_in_batches(rows: models.QuerySet[Any], *, batch_size: int, order_by: str) -> int:
    """Delete ``rows`` ``batch_size`` at a time, each batch in its own transaction, oldest
    (by ``order_by``) first; the number of rows of the queryset's model deleted.

    Each delete applies ``rows``' conditions again, so a row that stopped matching between
    a batch's select and its delete (a job retried meanwhile, say) is kept.
    """
    label = rows.model._meta.label
    deleted = 0
    while True:
        with transaction.atomic(using=database.alias()):
            ids = list(rows.order_by(order_by).values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted
            _, per_model = rows.filter(pk__in=ids).delete()
        deleted += per_model.get(label, 0)
