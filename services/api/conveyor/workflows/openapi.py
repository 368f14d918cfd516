"""A workflow's jobs in the OpenAPI, typed per job type as ``POST /v1/jobs``' are
(``jobs/openapi.py``): ``WorkflowJob`` is a ``oneOf`` of ``WorkflowJob_<type>``, each the
workflow job's fields (``id``, ``depends_on``, ...) with that type's params schema. The
param ``results_param`` names is given when the job is released, so a fan-in's params
may lack it here: the API checks it then (docs/workflows.md)."""

from __future__ import annotations

from typing import Any

from conveyor.jobs.openapi import COMPONENTS, repoint, typed_union

#: drf-spectacular's name for ``WorkflowJobInput`` as a request body, and its union.
UNTYPED_WORKFLOW_JOB = "WorkflowJobInputRequest"
WORKFLOW_JOB = "WorkflowJob"


def add_typed_workflow_jobs(result: dict[str, Any], **_: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook, after ``jobs.openapi.add_typed_submissions``."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    if UNTYPED_WORKFLOW_JOB in schemas:
        description = "A job of a workflow: its id in the request, the ids it depends on, "
        description += "its type, and params of that type's schema."
        typed_union(schemas, UNTYPED_WORKFLOW_JOB, WORKFLOW_JOB, "A workflow's job", description)
        for ref in schemas[WORKFLOW_JOB]["oneOf"]:
            # params may leave out the one results_param names: it is given at the release
            component = schemas[ref["$ref"].removeprefix(COMPONENTS)]
            component["required"] = ["id", "type"]
        repoint(result, f"{COMPONENTS}{UNTYPED_WORKFLOW_JOB}", f"{COMPONENTS}{WORKFLOW_JOB}")
    return result
