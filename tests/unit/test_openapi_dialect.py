"""A job type's params schema (JSON Schema, as pydantic writes it) in OpenAPI 3.0's dialect."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from conveyor.core.openapi import UnrepresentableSchema, as_openapi_schema
from conveyor.jobs.openapi import params_components
from conveyor.jobs.types import JobParams, build_job_type


class Point(BaseModel):
    x: int


class NestedParams(JobParams):
    title: str = Field(description="a field named like a JSON Schema keyword")
    kind: Literal["a"] = "a"
    ratio: float = Field(gt=0, lt=1)
    point: Point | None = None


def test_params_become_components_named_for_the_type_with_nested_models_beside() -> None:
    spec = build_job_type(
        "x.nested", params=NestedParams, queue="default", time_limit=timedelta(minutes=1)
    )

    components = params_components(spec)

    assert set(components) == {"JobParams_x.nested", "JobParams_x.nested.Point"}
    params = components["JobParams_x.nested"]
    assert "title" not in params
    assert params["properties"]["title"] == {
        "type": "string",
        "description": "a field named like a JSON Schema keyword",
    }
    assert params["properties"]["kind"]["enum"] == ["a"]
    assert params["properties"]["ratio"] == {
        "type": "number",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": 1,
        "exclusiveMaximum": True,
    }
    assert params["properties"]["point"] == {
        "anyOf": [{"$ref": "#/components/schemas/JobParams_x.nested.Point"}],
        "nullable": True,
        "default": None,
    }
    assert components["JobParams_x.nested.Point"]["properties"]["x"] == {"type": "integer"}


def test_a_schema_openapi_30_cannot_state_is_refused_with_where_it_is() -> None:
    with pytest.raises(UnrepresentableSchema, match=r"#/properties/pair: \['prefixItems'\]"):
        as_openapi_schema({"properties": {"pair": {"prefixItems": [{}, {}]}}}, {})
