from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_params_django_task_kwargs import JobParamsDjangoTaskKwargs


T = TypeVar("T", bound="JobParamsDjangoTask")


@_attrs_define
class JobParamsDjangoTask:
    """
    Attributes:
        task (str): the task's module path (module.function), as Task.module_path gives it
        args (list[Any] | Unset): positional arguments
        kwargs (JobParamsDjangoTaskKwargs | Unset): keyword arguments
        priority (int | Unset): the task's priority as Django states it Default: 0.
        run_after (datetime.datetime | None | Unset): the task's run_after, as the project enqueued it
    """

    task: str
    args: list[Any] | Unset = UNSET
    kwargs: JobParamsDjangoTaskKwargs | Unset = UNSET
    priority: int | Unset = 0
    run_after: datetime.datetime | Unset | None = UNSET

    def to_dict(self) -> dict[str, Any]:
        task = self.task

        args: list[Any] | Unset = UNSET
        if not isinstance(self.args, Unset):
            args = self.args

        kwargs: dict[str, Any] | Unset = UNSET
        if not isinstance(self.kwargs, Unset):
            kwargs = self.kwargs.to_dict()

        priority = self.priority

        run_after: str | Unset | None
        if isinstance(self.run_after, Unset):
            run_after = UNSET
        elif isinstance(self.run_after, datetime.datetime):
            run_after = self.run_after.isoformat()
        else:
            run_after = self.run_after

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "task": task,
            }
        )
        if args is not UNSET:
            field_dict["args"] = args
        if kwargs is not UNSET:
            field_dict["kwargs"] = kwargs
        if priority is not UNSET:
            field_dict["priority"] = priority
        if run_after is not UNSET:
            field_dict["run_after"] = run_after

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_params_django_task_kwargs import JobParamsDjangoTaskKwargs

        d = dict(src_dict)
        task = d.pop("task")

        args = cast(list[Any], d.pop("args", UNSET))

        _kwargs = d.pop("kwargs", UNSET)
        kwargs: JobParamsDjangoTaskKwargs | Unset
        if isinstance(_kwargs, Unset):
            kwargs = UNSET
        else:
            kwargs = JobParamsDjangoTaskKwargs.from_dict(_kwargs)

        priority = d.pop("priority", UNSET)

        def _parse_run_after(data: object) -> datetime.datetime | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                run_after_type_0 = datetime.datetime.fromisoformat(data)

                return run_after_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        run_after = _parse_run_after(d.pop("run_after", UNSET))

        job_params_django_task = cls(
            task=task,
            args=args,
            kwargs=kwargs,
            priority=priority,
            run_after=run_after,
        )

        return job_params_django_task
