"""The portal's forms: what the patient and sitter type, parsed for the services.

The forms only parse (required answers, whole numbers); the rules (the pre-dose gate,
plausible readings, the CADSS-6 answers) belong to ketacare.treatment.sessions, whose
field errors the views put back on these forms with `put_errors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from ketacare.clinical import instruments
from ketacare.errors import DomainError
from ketacare.treatment.models import (
    AdverseEventOutcome,
    Feeling,
    Severity,
    SideEffect,
    SubstanceToday,
)

YES_NO = (("yes", "Yes"), ("no", "No"))


def _yes_no(label: str, help_text: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text=help_text,
        error_messages={"required": "Choose yes or no."},
    )


def _whole(label: str, *, required: bool = True, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": f"Enter your {label.lower()}.",
            "invalid": "Enter a whole number.",
        },
    )


class PortalForm(forms.Form):
    """Errors point at their field: aria-invalid and aria-describedby on the input."""

    # Where a service names a path that is not one of the form's fields.
    service_fields: Mapping[str, str] = {}

    def full_clean(self) -> None:
        super().full_clean()
        self._describe_errors()

    def put_errors(self, exc: ValidationError) -> None:
        """A service's ValidationError, each message on the field it names."""
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.add_error(None, message)
            return
        for path, messages in exc.message_dict.items():
            name = self.service_fields.get(path, path)
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        self._describe_errors()

    def refused(self, exc: ValidationError | DomainError | PermissionDenied) -> int:
        """Show a service's refusal on the form; the status to answer with.

        400 for input the service found wrong (on its fields), 409 for a refusal of the
        request as it stands (wrong phase, already recorded, not allowed now).
        """
        if isinstance(exc, ValidationError):
            self.put_errors(exc)
            return 400
        self.add_error(None, str(exc))
        return 409

    def _describe_errors(self) -> None:
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"id_{name}_error"


class ChecklistForm(PortalForm):
    """The pre-dose checklist (ketacare.treatment.sessions.start_session)."""

    service_fields: Mapping[str, str] = {"blood_pressure": "systolic_mmhg"}

    sitter_present = _yes_no("Is your sitter with you now?")
    sitter_name = forms.CharField(
        label="Your sitter's name",
        max_length=200,
        required=False,
        help_text="The adult who stays with you during the session.",
    )
    fasted = _yes_no(
        "Have you gone without food for as long as your clinic asked?",
        "An empty stomach makes feeling sick less likely.",
    )
    no_driving_until_tomorrow = _yes_no("Will you stay away from driving until tomorrow?")
    substances_today = forms.MultipleChoiceField(
        label="Have you had any of these today?",
        choices=SubstanceToday.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick any you have had. Leave them all unticked if you have had none.",
    )
    systolic_mmhg = _whole("Blood pressure: top number (systolic)")
    diastolic_mmhg = _whole("Blood pressure: bottom number (diastolic)")
    heart_rate_bpm = _whole(
        "Heart rate (beats a minute)",
        required=False,
        help_text="If your blood pressure monitor shows it.",
    )

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "sitter_present": data["sitter_present"],
            "sitter_name": data["sitter_name"],
            "fasted": data["fasted"],
            "no_driving_until_tomorrow": data["no_driving_until_tomorrow"],
            "substances_today": data["substances_today"],
            "systolic_mmhg": data["systolic_mmhg"],
            "diastolic_mmhg": data["diastolic_mmhg"],
            "heart_rate_bpm": data["heart_rate_bpm"],
        }


class CheckInForm(PortalForm):
    """The post-dose check-in (record_check_in), with the CADSS-6 items as radio groups."""

    service_fields: Mapping[str, str] = {"blood_pressure": "post_systolic_mmhg"}

    feeling = forms.ChoiceField(
        label="How do you feel now?",
        choices=Feeling.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you feel."},
    )
    side_effects = forms.MultipleChoiceField(
        label="Have you noticed any of these?",
        choices=SideEffect.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick all that apply, or none.",
    )
    side_effect_other = forms.CharField(
        label="The other side effect", max_length=200, required=False
    )
    post_systolic_mmhg = _whole("Blood pressure now: top number (systolic)", required=False)
    post_diastolic_mmhg = _whole("Blood pressure now: bottom number (diastolic)", required=False)
    notes = forms.CharField(
        label="Anything else you want your care team to know",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cadss6 = instruments.get("cadss6")
        for item in self.cadss6.items:
            self.fields[f"cadss6_{item.number}"] = forms.TypedChoiceField(
                label=item.text,
                choices=[(c.value, c.label) for c in item.choices],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose the answer that fits best."},
            )

    def item_fields(self) -> list[forms.BoundField]:
        return [self[f"cadss6_{item.number}"] for item in self.cadss6.items]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        systolic, diastolic = data.get("post_systolic_mmhg"), data.get("post_diastolic_mmhg")
        if (systolic is None) != (diastolic is None) and not self.errors:
            self.add_error(
                "post_systolic_mmhg", "Enter both numbers of the blood pressure, or neither."
            )
        return data

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        systolic, diastolic = data["post_systolic_mmhg"], data["post_diastolic_mmhg"]
        return {
            "feeling": data["feeling"],
            "side_effects": data["side_effects"],
            "side_effect_other": data["side_effect_other"],
            "notes": data["notes"],
            "blood_pressure": None if systolic is None else (systolic, diastolic),
            "cadss6_answers": {
                item.number: data[f"cadss6_{item.number}"] for item in self.cadss6.items
            },
        }


class AdverseEventForm(PortalForm):
    """Something that went wrong (report_adverse_event)."""

    description = forms.CharField(
        label="What happened?",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Describe what happened."},
    )
    severity = forms.ChoiceField(
        label="How bad is it?",
        choices=Severity.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how bad it is."},
    )
    serious = _yes_no(
        "Is it serious?",
        "Serious means it put a life at risk, needed a stay in hospital, or caused lasting harm.",
    )
    outcome = forms.ChoiceField(
        label="How is it now?",
        choices=AdverseEventOutcome.choices,
        initial=AdverseEventOutcome.ONGOING,
    )
    onset_at = forms.DateTimeField(
        label="When did it start?",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty if you are not sure.",
    )

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "description": data["description"],
            "severity": data["severity"],
            "serious": data["serious"],
            "outcome": data["outcome"],
            "onset_at": data["onset_at"],
        }


class ConsentForm(PortalForm):
    signature_name = forms.CharField(
        label="Type your full name to sign",
        max_length=200,
        error_messages={"required": "Type your full name to sign."},
    )
