"""The workspace's forms: filters, alert notes, clearances and the clinic's protocol."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from ketacare.alerts.models import AlertCause, AlertSeverity, AlertStatus
from ketacare.alerts.specs import NOTE_MAX
from ketacare.clinical.rules import SETTINGS
from ketacare.patients.phases import Phase
from ketacare.treatment.models import Hold
from ketacare.web.workspace.panel import SORT_LABELS, Filters, ResponseStatus

SEVERITY_CHOICES = [("", "Any severity"), *AlertSeverity.choices]


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


class ClearHoldForm(forms.Form):
    """A clinician clears a hold on dosing (treatment.holds.clear_for_dosing)."""

    hold = forms.ChoiceField(choices=Hold.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label="What you reviewed and decided (required)",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what you reviewed and decided."},
    )


class ProtocolForm(forms.Form):
    """The clinic's settings (clinical.rules.SETTINGS), each with its allowed range, and why.

    The range is the setting's own; the protocol service refuses anything outside it.
    """

    reason = forms.CharField(
        label="Why the protocol changes (required)",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the protocol changes."},
    )

    def __init__(self, *args: Any, current: Mapping[str, float], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = current
        for setting in SETTINGS:
            field: forms.Field
            if setting.whole:
                field = forms.IntegerField(
                    min_value=int(setting.least), max_value=int(setting.most)
                )
            else:
                field = forms.FloatField(min_value=setting.least, max_value=setting.most)
            field.label = f"{setting.title} ({setting.unit})"
            field.initial = current[setting.name]
            field.help_text = f"{setting.least:g} to {setting.most:g} {setting.unit}"
            field.widget.attrs["inputmode"] = "numeric" if setting.whole else "decimal"
            self.fields[setting.name] = field
        self.order_fields([*(s.name for s in SETTINGS), "reason"])

    def setting_fields(self) -> list[forms.BoundField]:
        return [self[s.name] for s in SETTINGS]

    def changes(self) -> dict[str, float]:
        """The settings whose value differs from the clinic's current one."""
        return {
            s.name: self.cleaned_data[s.name]
            for s in SETTINGS
            if self.cleaned_data[s.name] != self.current[s.name]
        }
