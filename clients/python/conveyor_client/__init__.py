"""The Python client of the conveyor API.

``Conveyor`` (blocking) and ``AsyncConveyor`` (asyncio) submit jobs, wait for them and
page through them; errors raise ``ApiError`` subclasses carrying the problem+json fields.
``conveyor_client.generated`` holds the models and operations generated from the schema.
"""

from conveyor_client.aio import AsyncConveyor
from conveyor_client.generated.models.job_detail_output import JobDetailOutput
from conveyor_client.generated.models.job_output import JobOutput as Job
from conveyor_client.problems import (
    ApiError,
    Conflict,
    ConveyorError,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
    Unavailable,
    WaitTimeout,
)
from conveyor_client.retrying import Retry
from conveyor_client.sync import Conveyor

__all__ = [
    "ApiError",
    "AsyncConveyor",
    "Conflict",
    "Conveyor",
    "ConveyorError",
    "FieldError",
    "Forbidden",
    "InvalidInput",
    "Job",
    "JobDetailOutput",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "Retry",
    "Unauthorized",
    "Unavailable",
    "WaitTimeout",
]
