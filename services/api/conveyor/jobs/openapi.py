"""The job submission in the OpenAPI: each job type's params schema, so a generated client
knows that ``http.request`` takes ``url`` and ``method``.

A drf-spectacular postprocessing hook (``SPECTACULAR_SETTINGS``) replaces the untyped
submission (``params``: any object) by one request component per registered job type,
``JobSubmission_<type>``, whose ``type`` is that one name and whose ``params`` is the
type's own schema (``JobParams_<type>``, the JSON Schema ``GET /v1/job-types`` serves, in
OpenAPI 3.0's dialect). ``JobSubmission`` joins them in a ``oneOf`` discriminated on
``type``; ``POST /v1/jobs`` and each item of ``POST /v1/jobs/batch`` take it. A schedule's
job template is typed the same way: ``ScheduleJob``, a ``oneOf`` of ``ScheduleJob_<type>``
(the template ``POST /v1/schedules`` and its ``PATCH`` take). The names follow the job
types' names, so they stay put as types come and go.
"""

from __future__ import annotations

from typing import Any

from conveyor.core.openapi import as_openapi_schema
from conveyor.jobs.types import JobType, all_job_types

#: drf-spectacular's name for ``JobCreateInput`` as a request body: the untyped submission.
UNTYPED_SUBMISSION = "JobCreateInputRequest"
BATCH = "JobBatchInputRequest"
SUBMISSION = "JobSubmission"
#: drf-spectacular's name for a schedule's job template as a request body, and its union.
UNTYPED_TEMPLATE = "ScheduleJobInputRequest"
TEMPLATE = "ScheduleJob"
COMPONENTS = "#/components/schemas/"


def submission_name(job_type: str, union: str = SUBMISSION) -> str:
    return f"{union}_{job_type}"


def params_name(job_type: str) -> str:
    return f"JobParams_{job_type}"


def params_components(spec: JobType) -> dict[str, Any]:
    """The components of ``spec``'s params: its model, and the models it nests."""
    schema = spec.params_schema()
    definitions: dict[str, Any] = schema.pop("$defs", {})
    name = params_name(spec.name)
    refs = {f"#/$defs/{d}": f"{COMPONENTS}{name}.{d}" for d in definitions}
    components = {name: as_openapi_schema(schema, refs, f"{spec.name} params")}
    for d, definition in definitions.items():
        components[f"{name}.{d}"] = as_openapi_schema(definition, refs, f"{spec.name} params {d}")
    return components


def submission_component(
    spec: JobType, untyped: dict[str, Any], what: str = "A job"
) -> dict[str, Any]:
    """The submission of job type ``spec``: the untyped one with its ``type`` and
    ``params`` narrowed; ``params`` is required when the type's params have a required
    field."""
    properties = {
        **untyped["properties"],
        "type": {"type": "string", "enum": [spec.name]},
        "params": {"$ref": f"{COMPONENTS}{params_name(spec.name)}"},
    }
    required = ["type"]
    if spec.params_schema().get("required"):
        required.append("params")
    return {
        "type": "object",
        "description": f"{what} of type {spec.name}: {spec.description}".rstrip(": "),
        "properties": properties,
        "required": required,
        # The API refuses fields it does not know (StrictInputSerializer).
        "additionalProperties": False,
    }


def repoint(node: Any, old: str, new: str) -> None:
    """Every ``$ref`` to ``old`` under ``node`` made a ``$ref`` to ``new``."""
    if isinstance(node, dict):
        if node.get("$ref") == old:
            node["$ref"] = new
        for value in node.values():
            repoint(value, old, new)
    elif isinstance(node, list):
        for item in node:
            repoint(item, old, new)


def typed_union(
    schemas: dict[str, Any], untyped_name: str, union: str, what: str, description: str
) -> None:
    """Replace the untyped component ``untyped_name`` by ``union``: a ``oneOf`` of one
    component per job type, discriminated on ``type``."""
    untyped = schemas.pop(untyped_name)
    mapping: dict[str, str] = {}
    for spec in all_job_types():
        schemas.update(params_components(spec))
        schemas[submission_name(spec.name, union)] = submission_component(spec, untyped, what)
        mapping[spec.name] = f"{COMPONENTS}{submission_name(spec.name, union)}"
    schemas[union] = {
        "description": description,
        "oneOf": [{"$ref": ref} for ref in mapping.values()],
        "discriminator": {"propertyName": "type", "mapping": mapping},
    }


def add_typed_submissions(result: dict[str, Any], **_: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the submission, and a schedule's job template,
    typed by each job type."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    typed_union(
        schemas,
        UNTYPED_SUBMISSION,
        SUBMISSION,
        "A job",
        "A job to run: its type, and params of that type's schema.",
    )
    repoint(
        result.get("paths", {}), f"{COMPONENTS}{UNTYPED_SUBMISSION}", f"{COMPONENTS}{SUBMISSION}"
    )
    schemas[BATCH]["properties"]["jobs"]["items"] = {"$ref": f"{COMPONENTS}{SUBMISSION}"}
    if UNTYPED_TEMPLATE in schemas:
        description = schemas[UNTYPED_TEMPLATE].get("description", "")
        typed_union(schemas, UNTYPED_TEMPLATE, TEMPLATE, "A scheduled job", description)
        repoint(schemas, f"{COMPONENTS}{UNTYPED_TEMPLATE}", f"{COMPONENTS}{TEMPLATE}")
    _bound_wait(result)
    return result


def _bound_wait(result: dict[str, Any]) -> None:
    """``?wait=``'s maximum: ``CONVEYOR_LONG_POLL_MAX_SECONDS``, read when the schema is
    made, so the schema a deployment serves states its own ceiling."""
    from django.conf import settings

    operation = result["paths"]["/v1/jobs/{job_id}"]["get"]
    (wait,) = [p for p in operation["parameters"] if p["name"] == "wait"]
    wait["schema"]["maximum"] = settings.CONVEYOR_LONG_POLL_MAX.total_seconds()
