"""``python -m bench.conveyor_fill COUNT [--batch]``: store COUNT no-op jobs in one
transaction, or (``--batch``) in batches of 1,000 as ``POST /v1/jobs/batch`` does.

Run with a conveyor environment. It goes through ``job_create``, as the API does, so the
messages are published when the transaction commits; the API client is the one the
benchmark created (named ``bench``).
"""

from __future__ import annotations

import argparse
import os

import django

BATCH = 1000  # POST /v1/jobs/batch's largest batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("--client", default="bench", help="the API client's name")
    parser.add_argument(
        "--batch",
        action="store_true",
        help="through jobs_create_batch, 1,000 a batch, as POST /v1/jobs/batch (bundles)",
    )
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conveyor.config.settings.base")
    django.setup()
    from django.db import transaction

    from conveyor.clients.models import ApiClient
    from conveyor.jobs.batch import jobs_create_batch
    from conveyor.jobs.services import job_create

    client = ApiClient.objects.get(name=args.client)
    if args.batch:
        for start in range(0, args.count, BATCH):
            items = [{"type": "demo.noop"}] * min(BATCH, args.count - start)
            jobs_create_batch(client=client, items=items)
        return
    with transaction.atomic():
        for _ in range(args.count):
            job_create(client=client, type="demo.noop", params={})


if __name__ == "__main__":
    main()
