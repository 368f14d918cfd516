"""The job type specs (shared by the API and the worker) and the worker's handlers meet by
name: every built-in spec has a handler and every handler a spec."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from conveyor.jobs.types import all_job_types, build_job_type
from conveyor_worker import registry
from conveyor_worker.registry import load_handlers


def test_every_spec_has_a_handler_and_every_handler_a_spec() -> None:
    specs = {spec.name for spec in all_job_types()}
    handlers = set(load_handlers())

    assert specs == handlers
    assert specs >= {"demo.sleep", "demo.cpu", "demo.noop", "http.request"}


def test_a_handler_whose_job_type_has_no_spec_stops_the_worker() -> None:
    # given a handler registered for a job type nobody declared
    undeclared = build_job_type("test.undeclared")
    registry.handler(undeclared)(lambda ctx, params: None)
    try:
        # when the worker checks its handlers against the specs
        with pytest.raises(ImproperlyConfigured, match=r"test\.undeclared.*have no spec"):
            registry._check_against_specs(set(registry._handlers.by_name))
    finally:
        registry._handlers.by_name.pop("test.undeclared")
