"""The clinic's protocol form: each setting of clinical.rules, and the clinic's choices.

The protocol service (patients.protocol.change_protocol) judges every value again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from ketacare.alerts.specs import NOTE_MAX
from ketacare.clinical.rules import SETTINGS
from ketacare.patients.models import Jurisdiction, PatientReturns


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
    # Not a number of clinical.rules: a clinic's choice, off by default (clinical-defaults.md).
    review_note_before_revision = forms.BooleanField(
        label="A prescriber's review note is required before a plan revision",
        required=False,
        help_text="A plan is revised only after a prescriber signs a review note on the chart.",
    )

    jurisdiction = forms.ChoiceField(
        label="Whose controlled-substance law the records follow",
        choices=Jurisdiction.choices,
        required=False,  # not posted: as now
    )
    # 21 CFR 1317.30, 1317.40: only an authorised collector takes back patients' units.
    patient_returns = forms.ChoiceField(
        label="Patients' controlled substances given back",
        choices=PatientReturns.choices,
        widget=forms.RadioSelect,
        required=False,  # not posted: as now
        help_text="Under 21 CFR 1317 only a registrant authorised by the DEA as a collector "
        "takes back a patient's controlled substances: choose accepted only if the clinic is one.",
    )

    def __init__(
        self,
        *args: Any,
        current: Mapping[str, float],
        review_note: bool = False,
        choices: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.current = current
        self.fields["review_note_before_revision"].initial = review_note
        for name, value in (choices or {}).items():
            self.fields[name].initial = value
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
        self.order_fields(
            [
                *(s.name for s in SETTINGS),
                "review_note_before_revision",
                "jurisdiction",
                "patient_returns",
                "reason",
            ]
        )

    def setting_fields(self) -> list[forms.BoundField]:
        return [self[s.name] for s in SETTINGS]

    def changes(self) -> dict[str, float]:
        """The settings whose value differs from the clinic's current one."""
        return {
            s.name: self.cleaned_data[s.name]
            for s in SETTINGS
            if self.cleaned_data[s.name] != self.current[s.name]
        }
