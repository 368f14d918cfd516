"""The admin's form of an API client: scopes are ticked from the known ones, never typed."""

from __future__ import annotations

from typing import Any

from django import forms

from conveyor.clients.models import ApiClient
from conveyor.clients.scopes import ALL_SCOPES, granted_scopes


class ApiClientForm(forms.ModelForm[ApiClient]):
    # A JSON text box took any value: a string, which the old substring test read as
    # granting every scope whose name it contained, or names no view checks.
    scopes = forms.MultipleChoiceField(
        choices=[(s, s) for s in ALL_SCOPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="What the client's API key may do (docs/api.md).",
    )

    class Meta:
        model = ApiClient
        # and the client's fair share (conveyor/clients/limits.py): empty, the platform's
        fields = (
            "name",
            "scopes",
            "is_active",
            "throttle_rate",
            "max_unfinished_jobs",
            "max_running_jobs",
            "max_schedules",
            "min_schedule_interval_seconds",
            "run_at_horizon_days",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["scopes"] = sorted(granted_scopes(self.instance.scopes))

    def clean_scopes(self) -> list[str]:
        return sorted(set(self.cleaned_data["scopes"]))
