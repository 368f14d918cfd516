from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_state_enum import JobStateEnum, check_job_state_enum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.attempt_output import AttemptOutput
    from ..models.error_output import ErrorOutput
    from ..models.progress_output import ProgressOutput
    from ..models.webhook_delivery_output import WebhookDeliveryOutput


T = TypeVar("T", bound="JobDetailOutput")


@_attrs_define
class JobDetailOutput:
    """
    Attributes:
        id (UUID):
        type_ (str):
        queue (str):
        state (JobStateEnum): * `blocked` - Blocked
            * `scheduled` - Scheduled
            * `queued` - Queued
            * `running` - Running
            * `retrying` - Retrying
            * `succeeded` - Succeeded
            * `failed` - Failed
            * `cancelling` - Cancelling
            * `cancelled` - Cancelled
        max_attempts (int):
        timeout_seconds (int):
        progress (ProgressOutput):
        error (ErrorOutput | None):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        worker (str): The worker running the job's current attempt; empty when none runs.
        attempt_history (list[AttemptOutput]):
        webhook_deliveries (list[WebhookDeliveryOutput]):
        priority (int | Unset):
        params (Any | Unset):
        labels (Any | Unset):
        attempts (int | Unset):
        webhook_url (str | Unset):
        result (Any | Unset):
        run_at (datetime.datetime | None | Unset):
        queued_at (datetime.datetime | None | Unset):
        started_at (datetime.datetime | None | Unset):
        finished_at (datetime.datetime | None | Unset):
        cancel_requested_at (datetime.datetime | None | Unset):
    """

    id: UUID
    type_: str
    queue: str
    state: JobStateEnum
    max_attempts: int
    timeout_seconds: int
    progress: ProgressOutput
    error: ErrorOutput | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    worker: str
    attempt_history: list[AttemptOutput]
    webhook_deliveries: list[WebhookDeliveryOutput]
    priority: int | Unset = UNSET
    params: Any | Unset = UNSET
    labels: Any | Unset = UNSET
    attempts: int | Unset = UNSET
    webhook_url: str | Unset = UNSET
    result: Any | Unset = UNSET
    run_at: datetime.datetime | Unset | None = UNSET
    queued_at: datetime.datetime | Unset | None = UNSET
    started_at: datetime.datetime | Unset | None = UNSET
    finished_at: datetime.datetime | Unset | None = UNSET
    cancel_requested_at: datetime.datetime | Unset | None = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.error_output import ErrorOutput

        id = str(self.id)

        type_ = self.type_

        queue = self.queue

        state: str = self.state

        max_attempts = self.max_attempts

        timeout_seconds = self.timeout_seconds

        progress = self.progress.to_dict()

        error: dict[str, Any] | None
        if isinstance(self.error, ErrorOutput):
            error = self.error.to_dict()
        else:
            error = self.error

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        worker = self.worker

        attempt_history = []
        for attempt_history_item_data in self.attempt_history:
            attempt_history_item = attempt_history_item_data.to_dict()
            attempt_history.append(attempt_history_item)

        webhook_deliveries = []
        for webhook_deliveries_item_data in self.webhook_deliveries:
            webhook_deliveries_item = webhook_deliveries_item_data.to_dict()
            webhook_deliveries.append(webhook_deliveries_item)

        priority = self.priority

        params = self.params

        labels = self.labels

        attempts = self.attempts

        webhook_url = self.webhook_url

        result = self.result

        run_at: str | Unset | None
        if isinstance(self.run_at, Unset):
            run_at = UNSET
        elif isinstance(self.run_at, datetime.datetime):
            run_at = self.run_at.isoformat()
        else:
            run_at = self.run_at

        queued_at: str | Unset | None
        if isinstance(self.queued_at, Unset):
            queued_at = UNSET
        elif isinstance(self.queued_at, datetime.datetime):
            queued_at = self.queued_at.isoformat()
        else:
            queued_at = self.queued_at

        started_at: str | Unset | None
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        elif isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        finished_at: str | Unset | None
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        cancel_requested_at: str | Unset | None
        if isinstance(self.cancel_requested_at, Unset):
            cancel_requested_at = UNSET
        elif isinstance(self.cancel_requested_at, datetime.datetime):
            cancel_requested_at = self.cancel_requested_at.isoformat()
        else:
            cancel_requested_at = self.cancel_requested_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "type": type_,
                "queue": queue,
                "state": state,
                "max_attempts": max_attempts,
                "timeout_seconds": timeout_seconds,
                "progress": progress,
                "error": error,
                "created_at": created_at,
                "updated_at": updated_at,
                "worker": worker,
                "attempt_history": attempt_history,
                "webhook_deliveries": webhook_deliveries,
            }
        )
        if priority is not UNSET:
            field_dict["priority"] = priority
        if params is not UNSET:
            field_dict["params"] = params
        if labels is not UNSET:
            field_dict["labels"] = labels
        if attempts is not UNSET:
            field_dict["attempts"] = attempts
        if webhook_url is not UNSET:
            field_dict["webhook_url"] = webhook_url
        if result is not UNSET:
            field_dict["result"] = result
        if run_at is not UNSET:
            field_dict["run_at"] = run_at
        if queued_at is not UNSET:
            field_dict["queued_at"] = queued_at
        if started_at is not UNSET:
            field_dict["started_at"] = started_at
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
        if cancel_requested_at is not UNSET:
            field_dict["cancel_requested_at"] = cancel_requested_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.attempt_output import AttemptOutput
        from ..models.error_output import ErrorOutput
        from ..models.progress_output import ProgressOutput
        from ..models.webhook_delivery_output import WebhookDeliveryOutput

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        type_ = d.pop("type")

        queue = d.pop("queue")

        state = check_job_state_enum(d.pop("state"))

        max_attempts = d.pop("max_attempts")

        timeout_seconds = d.pop("timeout_seconds")

        progress = ProgressOutput.from_dict(d.pop("progress"))

        def _parse_error(data: object) -> ErrorOutput | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_1 = ErrorOutput.from_dict(data)

                return error_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorOutput | None, data)

        error = _parse_error(d.pop("error"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        worker = d.pop("worker")

        attempt_history = []
        _attempt_history = d.pop("attempt_history")
        for attempt_history_item_data in _attempt_history:
            attempt_history_item = AttemptOutput.from_dict(attempt_history_item_data)

            attempt_history.append(attempt_history_item)

        webhook_deliveries = []
        _webhook_deliveries = d.pop("webhook_deliveries")
        for webhook_deliveries_item_data in _webhook_deliveries:
            webhook_deliveries_item = WebhookDeliveryOutput.from_dict(webhook_deliveries_item_data)

            webhook_deliveries.append(webhook_deliveries_item)

        priority = d.pop("priority", UNSET)

        params = d.pop("params", UNSET)

        labels = d.pop("labels", UNSET)

        attempts = d.pop("attempts", UNSET)

        webhook_url = d.pop("webhook_url", UNSET)

        result = d.pop("result", UNSET)

        def _parse_run_at(data: object) -> datetime.datetime | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                run_at_type_0 = datetime.datetime.fromisoformat(data)

                return run_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        run_at = _parse_run_at(d.pop("run_at", UNSET))

        def _parse_queued_at(data: object) -> datetime.datetime | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                queued_at_type_0 = datetime.datetime.fromisoformat(data)

                return queued_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        queued_at = _parse_queued_at(d.pop("queued_at", UNSET))

        def _parse_started_at(data: object) -> datetime.datetime | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        started_at = _parse_started_at(d.pop("started_at", UNSET))

        def _parse_finished_at(data: object) -> datetime.datetime | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        finished_at = _parse_finished_at(d.pop("finished_at", UNSET))

        def _parse_cancel_requested_at(data: object) -> datetime.datetime | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                cancel_requested_at_type_0 = datetime.datetime.fromisoformat(data)

                return cancel_requested_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        cancel_requested_at = _parse_cancel_requested_at(d.pop("cancel_requested_at", UNSET))

        job_detail_output = cls(
            id=id,
            type_=type_,
            queue=queue,
            state=state,
            max_attempts=max_attempts,
            timeout_seconds=timeout_seconds,
            progress=progress,
            error=error,
            created_at=created_at,
            updated_at=updated_at,
            worker=worker,
            attempt_history=attempt_history,
            webhook_deliveries=webhook_deliveries,
            priority=priority,
            params=params,
            labels=labels,
            attempts=attempts,
            webhook_url=webhook_url,
            result=result,
            run_at=run_at,
            queued_at=queued_at,
            started_at=started_at,
            finished_at=finished_at,
            cancel_requested_at=cancel_requested_at,
        )

        job_detail_output.additional_properties = d
        return job_detail_output

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
