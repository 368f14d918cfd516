"""Idle workers go first: keep this pod's ``pod-deletion-cost`` annotation current.

When a worker Deployment scales down (the HPA lowers the replicas, or KEDA writes zero),
the ReplicaSet picks which pods to delete; among ready pods on equal footing it deletes
the ones with the lowest ``controller.kubernetes.io/pod-deletion-cost`` first. The worker's
main process sets its own pod's annotation to the number of jobs it is running: 0 when
idle, higher when busy. A scale-down then takes idle workers and spares busy ones (whose
jobs would otherwise have to finish within the termination grace period, or be handed
back and run again).

- On only inside a cluster: ``POD_NAME`` and ``POD_NAMESPACE`` (the downward API) and the
  in-cluster service account must be there; ``CONVEYOR_POD_DELETION_COST=off`` turns it
  off, ``on`` makes a missing piece an error instead of a silent off. The Kubernetes
  client is the ``kubernetes`` extra (in the image); without it the feature logs one
  line and stays off.
- It patches only its own pod (RBAC: ``patch`` on ``pods``, ideally limited to the pod by
  a ``resourceNames`` rule the chart cannot know in advance, so the Role grants patch on
  pods in the release's namespace).
- Rate-limited: at most one PATCH per ``CONVEYOR_POD_DELETION_COST_MIN_INTERVAL_SECONDS``
  (default 5); a change inside the interval is sent when it ends (the latest value only).
  A failed PATCH is logged and retried after the interval; it never stops the worker.

Unverified on a real cluster: it is tested against a local HTTP server standing in for the
API server (tests/metrics/test_deletion_cost.py).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from celery import signals

from conveyor.config.env import env_float

log = logging.getLogger(__name__)

ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"
DEFAULT_MIN_INTERVAL_SECONDS = 5.0
POLL_SECONDS = 0.5


def cost_of(running_jobs: int) -> int:
    """The annotation's value: the jobs this worker runs (0 = idle, deleted first)."""
    return max(0, running_jobs)


class DeletionCostReporter:
    """Sends ``cost_of(busy)`` to this pod's annotation when it changes, rate-limited."""

    def __init__(
        self,
        *,
        api: Any,
        namespace: str,
        pod: str,
        min_interval: float = DEFAULT_MIN_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api  # a kubernetes.client.CoreV1Api
        self.namespace = namespace
        self.pod = pod
        self.min_interval = min_interval
        self.clock = clock
        self.sent: int | None = None
        self.next_allowed = 0.0
        self.patches = 0

    def update(self, running_jobs: int) -> bool:
        """Patch if the cost changed and the rate limit allows; whether a PATCH succeeded."""
        cost = cost_of(running_jobs)
        now = self.clock()
        if cost == self.sent or now < self.next_allowed:
            return False
        self.next_allowed = now + self.min_interval
        try:
            self.api.patch_namespaced_pod(
                name=self.pod,
                namespace=self.namespace,
                body={"metadata": {"annotations": {ANNOTATION: str(cost)}}},
                _content_type="application/merge-patch+json",
                _request_timeout=5,
            )
        except Exception as exc:  # API server down, RBAC missing: log, retry later
            log.warning("pod-deletion-cost of %s not updated: %s", self.pod, exc)
            return False
        self.sent = cost
        self.patches += 1
        return True

    def run(self, running_jobs: Callable[[], int], stop: threading.Event) -> None:
        """Follow ``running_jobs()`` until ``stop`` is set (the worker's thread)."""
        while not stop.is_set():
            self.update(running_jobs())
            stop.wait(POLL_SECONDS)


def from_environment(env: Mapping[str, str] | None = None) -> DeletionCostReporter | None:
    """A reporter for this pod when running in a cluster, else None (off)."""
    env = os.environ if env is None else env
    mode = env.get("CONVEYOR_POD_DELETION_COST", "auto").strip().lower()
    if mode in {"off", "false", "0"}:
        return None
    pod, namespace = env.get("POD_NAME", ""), env.get("POD_NAMESPACE", "")
    in_cluster = bool(env.get("KUBERNETES_SERVICE_HOST"))
    if not (pod and namespace and in_cluster):
        if mode in {"on", "true", "1"}:
            raise RuntimeError(
                "CONVEYOR_POD_DELETION_COST=on needs POD_NAME, POD_NAMESPACE and an "
                "in-cluster service account"
            )
        return None
    try:
        from kubernetes import client, config
    except ImportError:
        missing = (
            "pod-deletion-cost needs the kubernetes package: pip install 'conveyor[kubernetes]'"
        )
        if mode in {"on", "true", "1"}:
            raise RuntimeError(missing) from None
        log.warning("%s; it is off", missing)
        return None

    configuration = client.Configuration()
    config.load_incluster_config(client_configuration=configuration)
    api = client.CoreV1Api(client.ApiClient(configuration))
    return DeletionCostReporter(
        api=api,
        namespace=namespace,
        pod=pod,
        min_interval=env_float(
            "CONVEYOR_POD_DELETION_COST_MIN_INTERVAL_SECONDS", DEFAULT_MIN_INTERVAL_SECONDS
        ),
    )


class _Running:
    stop = threading.Event()
    thread: threading.Thread | None = None


def _active_requests() -> int:
    from celery.worker import state

    return len(state.active_requests)


def _on_worker_ready(**_: Any) -> None:
    try:
        reporter = from_environment()
    except Exception:
        log.exception("pod-deletion-cost is off: could not set up the Kubernetes client")
        return
    if reporter is None:
        return
    log.info("keeping %s of pod %s/%s current", ANNOTATION, reporter.namespace, reporter.pod)
    _Running.thread = threading.Thread(
        target=reporter.run,
        args=(_active_requests, _Running.stop),
        name="pod-deletion-cost",
        daemon=True,
    )
    _Running.thread.start()


def _on_worker_shutdown(**_: Any) -> None:
    _Running.stop.set()


def install() -> None:
    """Run the reporter in the worker's main process (called by ``conveyor_worker.app``)."""
    signals.worker_ready.connect(_on_worker_ready, weak=False)
    signals.worker_shutdown.connect(_on_worker_shutdown, weak=False)
