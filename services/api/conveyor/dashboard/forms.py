"""The jobs page's query string (filter, sort, cursor) and the actions' forms, as Django
forms: bad input comes back as field errors on the page, never as a 500."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django import forms
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from conveyor.jobs.models import Job
from conveyor.jobs.selectors import LABEL_KEY
from conveyor.jobs.states import JobState

#: The sorts the jobs page offers: the field and its direction, with a tie-break on id.
SORTS: dict[str, tuple[str, bool]] = {
    "-created_at": ("created_at", True),
    "created_at": ("created_at", False),
    "-finished_at": ("finished_at", True),
    "finished_at": ("finished_at", False),
}
SORT_CHOICES = [
    ("-created_at", "newest first"),
    ("created_at", "oldest first"),
    ("-finished_at", "finished, newest first"),
    ("finished_at", "finished, oldest first"),
]
#: Rows per page of the jobs page.
PAGE_SIZE = 50
#: The fields that make up the filter (kept in the links of the page, the bulk actions).
FILTER_FIELDS = (
    "state",
    "type",
    "queue",
    "label",
    "client",
    "text",
    "created_after",
    "created_before",
    "finished_after",
    "finished_before",
)


class JobQueryForm(forms.Form):
    state = forms.MultipleChoiceField(
        choices=JobState.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    type = forms.CharField(required=False, max_length=100)
    queue = forms.CharField(required=False, max_length=100)
    label = forms.CharField(required=False, max_length=300, help_text="key=value")
    client = forms.IntegerField(required=False, min_value=1)
    text = forms.CharField(required=False, max_length=200, help_text="in params or error")
    created_after = forms.DateTimeField(required=False)
    created_before = forms.DateTimeField(required=False)
    finished_after = forms.DateTimeField(required=False)
    finished_before = forms.DateTimeField(required=False)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)
    cursor = forms.CharField(required=False, max_length=200)

    def clean_label(self) -> str:
        label: str = self.cleaned_data.get("label") or ""
        if label:
            key, sep, _ = label.partition("=")
            if not sep or not LABEL_KEY.match(key):
                raise forms.ValidationError("A label filter is key=value, e.g. team=billing.")
        return label

    def clean_cursor(self) -> tuple[str, UUID] | None:
        text: str = self.cleaned_data.get("cursor") or ""
        if not text:
            return None
        try:
            value, job_id = json.loads(base64.urlsafe_b64decode(text.encode()).decode())
            return str(value), UUID(str(job_id))
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise forms.ValidationError(
                "Not a cursor of this list; use the page's Next link."
            ) from None

    def filter_values(self) -> dict[str, Any]:
        """The filter's fields as cleaned, without the empty ones."""
        data = self.cleaned_data
        return {name: data[name] for name in FILTER_FIELDS if data.get(name) not in (None, "", [])}


@dataclass(frozen=True)
class Page:
    jobs: list[Job]
    next_cursor: str | None


def page_of(jobs: QuerySet[Job], *, sort: str, cursor: tuple[str, UUID] | None) -> Page:
    """One page of ``jobs`` in ``sort`` order after ``cursor`` (keyset paging on the sort
    field and the id: stable while jobs are added)."""
    field, descending = SORTS.get(sort or "-created_at", SORTS["-created_at"])
    if field == "finished_at":
        jobs = jobs.filter(finished_at__isnull=False)
    if cursor is not None:
        value, job_id = cursor
        at = parse_datetime(value)
        if at is not None:
            op = "lt" if descending else "gt"
            jobs = jobs.filter(Q(**{f"{field}__{op}": at}) | Q(**{field: at, f"id__{op}": job_id}))
    order = (f"-{field}", "-id") if descending else (field, "id")
    rows = list(jobs.select_related("client").order_by(*order)[: PAGE_SIZE + 1])
    next_cursor = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        last = rows[-1]
        at_last: datetime = getattr(last, field)
        next_cursor = base64.urlsafe_b64encode(
            json.dumps([at_last.isoformat(), str(last.id)]).encode()
        ).decode()
    return Page(jobs=rows, next_cursor=next_cursor)


class RequeueForm(forms.Form):
    """A failed job's params, edited, as JSON text."""

    params = forms.CharField(widget=forms.Textarea(attrs={"rows": 12, "cols": 80}))

    def clean_params(self) -> dict[str, Any]:
        try:
            params = json.loads(self.cleaned_data["params"])
        except ValueError as exc:
            raise forms.ValidationError(f"Not JSON: {exc}.") from None
        if not isinstance(params, dict):
            raise forms.ValidationError("The params are a JSON object: {...}.")
        return params
