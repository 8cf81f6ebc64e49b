"""The workspace's forms: the panel and inbox filters, and the alert notes."""

from __future__ import annotations

from django import forms

from ketacare.alerts.models import AlertCause, AlertSeverity, AlertStatus
from ketacare.patients.phases import Phase
from ketacare.web.workspace.panel import SORT_LABELS, Filters, ResponseStatus

SEVERITY_CHOICES = [("", "Any severity"), *AlertSeverity.choices]
NOTE_MAX = 4000  # as the alerts API takes it


def _sort_choices() -> list[tuple[str, str]]:
    choices = []
    for key, label in SORT_LABELS.items():
        choices += [(key, f"{label}, ascending"), (f"-{key}", f"{label}, descending")]
    return choices


class PanelFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Name contains", max_length=100)
    phase = forms.ChoiceField(
        required=False, choices=[("", "All phases"), *((p.value, p.label) for p in Phase)]
    )
    has_alerts = forms.BooleanField(required=False, label="Only with open alerts")
    severity = forms.ChoiceField(
        required=False, choices=SEVERITY_CHOICES, label="With an open alert of severity"
    )
    response = forms.ChoiceField(
        required=False,
        label="PHQ-9 outcome",
        choices=[("", "Any outcome"), *((s.value, s.label) for s in ResponseStatus)],
    )
    sort = forms.ChoiceField(required=False, choices=_sort_choices(), label="Sort by")

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            phase=data["phase"],
            q=data["q"].strip(),
            has_alerts=data["has_alerts"],
            severity=data["severity"],
            response=data["response"],
        )


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[
            ("", "Open and acknowledged"),
            *AlertStatus.choices,
        ],
    )
    severity = forms.ChoiceField(required=False, choices=SEVERITY_CHOICES, label="Severity")
    cause = forms.ChoiceField(
        required=False, choices=[("", "Any cause"), *AlertCause.choices], label="Cause"
    )
    # Set by the chart's "see in the inbox" link: one patient's alerts.
    patient = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        label="Note (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What you are doing about it.",
    )


class ResolveForm(forms.Form):
    note = forms.CharField(
        max_length=NOTE_MAX,
        label="How it was resolved",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write how the alert was resolved before resolving it."},
    )
