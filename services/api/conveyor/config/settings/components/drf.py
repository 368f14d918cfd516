"""Django REST Framework and the OpenAPI schema."""

from __future__ import annotations

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["conveyor.clients.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["conveyor.clients.permissions.HasScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["conveyor.core.parsers.ConveyorJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "conveyor.core.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
    # Each client's requests per period (conveyor/clients/throttling.py, docs/security.md).
    "DEFAULT_THROTTLE_CLASSES": ["conveyor.clients.throttling.ClientRateThrottle"],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "conveyor API",
    "DESCRIPTION": "Submit background jobs over HTTP, follow them, cancel and retry them.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two models have a `state`: name their enums, not State1eeEnum and friends.
    "ENUM_NAME_OVERRIDES": {
        "JobStateEnum": "conveyor.jobs.states.JobState",
    },
    # Every operation's problem+json answers, by one rule set (core/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "conveyor.core.openapi.add_problem_responses",
        # Components described by a serializer base's docstring: no description.
        "conveyor.core.openapi.drop_inherited_descriptions",
        # Each job type's params in the submission (jobs/openapi.py).
        "conveyor.jobs.openapi.add_typed_submissions",
        # ... and in a workflow's jobs (workflows/openapi.py).
        "conveyor.workflows.openapi.add_typed_workflow_jobs",
    ],
    # The docs UI's assets come from the image, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}
