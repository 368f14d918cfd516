"""``python -m bench.conveyor_fill COUNT``: store COUNT no-op jobs in one transaction.

Run with a conveyor environment. It goes through ``job_create``, as the API does, so the
messages are published when the transaction commits; the API client is the one the
benchmark created (named ``bench``).
"""

from __future__ import annotations

import argparse
import os

import django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("--client", default="bench", help="the API client's name")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conveyor.config.settings.base")
    django.setup()
    from django.db import transaction

    from conveyor.clients.models import ApiClient
    from conveyor.jobs.services import job_create

    client = ApiClient.objects.get(name=args.client)
    with transaction.atomic():
        for _ in range(args.count):
            job_create(client=client, type="demo.noop", params={})


if __name__ == "__main__":
    main()
