"""Webhooks: how conveyor tells a job's submitter that the job ended (docs/webhooks.md).

Destinations are guarded like ``http.request``'s: addresses that are not plainly global
unicast are refused unless ``CONVEYOR_HTTP_ALLOWED_NETWORKS`` lists them.
"""

from __future__ import annotations

from conveyor.config.env import env_int, env_seconds

# Connect, write and read timeout (each) of one delivery attempt.
CONVEYOR_WEBHOOK_TIMEOUT = env_seconds("CONVEYOR_WEBHOOK_TIMEOUT_SECONDS", 10)
# Attempts per delivery (the first included) before it is given up.
CONVEYOR_WEBHOOK_MAX_ATTEMPTS = env_int("CONVEYOR_WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)
# The wait after the first failed attempt; it doubles after each further one (with jitter).
CONVEYOR_WEBHOOK_BACKOFF = env_seconds("CONVEYOR_WEBHOOK_BACKOFF_SECONDS", 10)
# The longest wait between two attempts.
CONVEYOR_WEBHOOK_BACKOFF_MAX = env_seconds("CONVEYOR_WEBHOOK_BACKOFF_MAX_SECONDS", 3600)
# After rotate_webhook_secret, how long the old secret keeps signing beside the new one.
CONVEYOR_WEBHOOK_SECRET_OVERLAP = env_seconds("CONVEYOR_WEBHOOK_SECRET_OVERLAP_SECONDS", 86400)
