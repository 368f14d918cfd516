"""What the OpenAPI schema says beyond each view's own shapes: list envelopes, the cursor
parameters, and the problem+json answers every operation can give.

The error answers are added to every operation by one postprocessing hook (configured in
``SPECTACULAR_SETTINGS``), by rules that follow how the API answers, rather than written
out on each view: any operation can answer 401, 403, 429 and 503; one that reads a body
or a query 400 (a cursor the API did not give included); any POST, PUT or PATCH 413 (the
size is checked before the view runs); one naming a resource 404; the ones in
``CONFLICTS`` 409.
"""

from __future__ import annotations

import inspect
from typing import Any

from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from conveyor.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from conveyor.core.problems import PROBLEM_CONTENT_TYPE

#: The operations that answer 409: a final job or workflow cancelled, one that cannot be
#: retried, an idempotency key reused with another body, a schedule name taken.
CONFLICTS = frozenset(
    {
        "jobs_create",
        "jobs_cancel",
        "jobs_retry",
        "schedules_create",
        "schedules_partial_update",
        "workflows_cancel",
        "workflows_retry",
    }
)
TITLES = {
    400: "Invalid input: the problem's errors name each field",
    401: "No API key, or one that is invalid or revoked",
    403: "The API key lacks the scope the operation needs",
    404: "No such resource for this client",
    409: "The resource is not in a state that allows it",
    413: "The body is larger than CONVEYOR_MAX_BODY_BYTES",
    429: "The client's request rate, or its cap of jobs or schedules, is used up; "
    "try again after Retry-After",
    503: "The database is unavailable; try again after Retry-After",
}
BODY_METHODS = frozenset({"post", "put", "patch"})

CURSOR_PARAMETERS = [
    OpenApiParameter(
        "cursor",
        str,
        OpenApiParameter.QUERY,
        description="where the page starts: the `next` or `previous` link's cursor; any "
        "other value is a 400",
    ),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        OpenApiParameter.QUERY,
        description=f"items per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})",
    ),
]


def paginated(item: serializers.Serializer[Any], name: str) -> serializers.Serializer[Any]:
    """A cursor-paginated list of ``item``: ``{next, previous, results}``."""
    return inline_serializer(
        name=name,
        fields={
            "next": serializers.URLField(allow_null=True, help_text="the next page, if any"),
            "previous": serializers.URLField(
                allow_null=True, help_text="the previous page, if any"
            ),
            "results": item,
        },
    )


def listed(item: serializers.Serializer[Any], name: str) -> serializers.Serializer[Any]:
    """A whole list of ``item`` (no paging): ``{results}``."""
    return inline_serializer(name=name, fields={"results": item})


PROBLEM_SCHEMAS: dict[str, Any] = {
    "FieldError": {
        "type": "object",
        "properties": {
            "field": {"type": "string", "description": "the field, as a dotted path"},
            "message": {"type": "string"},
            "code": {"type": "string", "description": "a machine-readable reason"},
        },
        "required": ["field", "message", "code"],
    },
    "Problem": {
        "type": "object",
        "description": "An error, as application/problem+json (RFC 9457).",
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
        },
        "required": ["type", "title", "status", "detail"],
    },
}


def statuses_of(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer."""
    # 429: every client's requests are throttled (conveyor/clients/throttling.py); the
    # submissions also answer it for a client at its cap of jobs or schedules.
    statuses = {401, 403, 429, 503}
    queries = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
    if "requestBody" in operation or queries:
        statuses.add(400)
    if method in BODY_METHODS:
        statuses.add(413)
    if "{" in path:
        statuses.add(404)
    if operation.get("operationId") in CONFLICTS:
        statuses.add(409)
    return statuses


def drop_inherited_descriptions(result: dict[str, Any], **_: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: a component described by the docstring of a
    serializer base (how fields are built, that unknown fields are refused) says nothing
    of its own to a client; the description is dropped."""
    from conveyor.core import serializers as bases

    inherited = {
        inspect.getdoc(cls)
        for cls in (
            bases.FieldsOnceSerializer,
            bases.StrictInputSerializer,
            bases.StrictQuerySerializer,
        )
    }
    for component in result.get("components", {}).get("schemas", {}).values():
        if component.get("description") in inherited:
            del component["description"]
    return result


def add_problem_responses(result: dict[str, Any], **_: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the problem+json answers of every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(PROBLEM_SCHEMAS)
    problem = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses_of(path, method, operation)):
                responses.setdefault(
                    str(status), {"description": TITLES[status], "content": problem}
                )
    return result


# ---- JSON Schema (2020-12, as pydantic writes it) in OpenAPI 3.0's dialect ----------

#: Keywords OpenAPI 3.0's schema object has no word for; a schema using one is refused
#: rather than published wrong.
UNSUPPORTED_KEYWORDS = frozenset(
    {"prefixItems", "if", "then", "else", "dependentSchemas", "patternProperties", "$anchor"}
)
#: Annotations that only name things; generators would turn them into class names.
DROPPED_KEYWORDS = frozenset({"title", "$schema", "$id"})


class UnrepresentableSchema(ValueError):
    """A JSON Schema that OpenAPI 3.0 cannot state."""


def as_openapi_schema(node: Any, refs: dict[str, str], where: str = "#") -> Any:
    """JSON Schema ``node`` rewritten for OpenAPI 3.0: a ``null`` alternative becomes
    ``nullable``, a numeric ``exclusiveMinimum``/``exclusiveMaximum`` the boolean form,
    ``const`` a one-value ``enum``, ``examples`` one ``example``; each ``$ref`` is renamed
    by ``refs`` (``#/$defs/X`` -> ``#/components/schemas/Y``)."""
    if isinstance(node, list):
        return [as_openapi_schema(item, refs, f"{where}/{i}") for i, item in enumerate(node)]
    if not isinstance(node, dict):
        return node
    bad = sorted(UNSUPPORTED_KEYWORDS & set(node))
    if bad or isinstance(node.get("type"), list):
        raise UnrepresentableSchema(
            f"{where}: {bad or 'a list of types'} cannot be stated in OpenAPI 3.0; "
            "give the params model a simpler shape"
        )
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in DROPPED_KEYWORDS or key == "$defs":
            continue
        if key == "$ref":
            if value not in refs:
                raise UnrepresentableSchema(f"{where}: $ref {value!r} names no definition")
            out[key] = refs[value]
        elif key == "properties":
            out[key] = {
                name: as_openapi_schema(schema, refs, f"{where}/properties/{name}")
                for name, schema in value.items()
            }
        elif key == "const":
            out["enum"] = [value]
        elif key == "examples" and isinstance(value, list):
            if value:
                out["example"] = value[0]
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
            out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
            out[key] = True
        elif key in ("anyOf", "oneOf"):
            others = [v for v in value if v != {"type": "null"}]
            converted = as_openapi_schema(others, refs, f"{where}/{key}")
            if len(others) < len(value):
                out["nullable"] = True
            if len(converted) == 1 and "$ref" not in converted[0]:
                out.update(converted[0])
            else:
                out[key] = converted
        else:
            out[key] = as_openapi_schema(value, refs, f"{where}/{key}")
    return out
