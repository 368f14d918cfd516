"""The OpenAPI schema as the API generates it, and validators of wire bodies against it."""

from __future__ import annotations

from io import StringIO
from typing import Any

import jsonschema
import yaml
from django.core.management import call_command


def generated_schema() -> dict[str, Any]:
    """``spectacular --validate --fail-on-warn``: raises on any warning or invalid schema."""
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema: dict[str, Any] = yaml.safe_load(out.getvalue())
    return schema


def as_json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema: ``nullable`` becomes a null alternative."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: as_json_schema(value) for key, value in node.items()}
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if converted.get(bound) is True:
            converted[bound] = converted.pop(limit)
        elif converted.get(bound) is False:
            del converted[bound]
    if converted.pop("nullable", False):
        if "enum" in converted:
            converted["enum"] = [*converted["enum"], None]
        if "type" in converted:
            converted["type"] = [converted["type"], "null"]
        else:
            converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


def wire_validator(schema: dict[str, Any], method: str, path: str, status: int) -> Any:
    """A validator of the body the schema documents for ``status`` of the operation."""
    response = schema["paths"][path][method]["responses"][str(status)]
    (media,) = response["content"].values()
    root = {"components": as_json_schema(schema["components"]), **as_json_schema(media["schema"])}
    return jsonschema.Draft202012Validator(root)


def component_validator(schema: dict[str, Any], name: str) -> Any:
    """A validator of component ``name`` of the schema, as JSON Schema."""
    root = {
        "components": as_json_schema(schema["components"]),
        "$ref": f"#/components/schemas/{name}",
    }
    return jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker())
