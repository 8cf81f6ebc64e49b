"""The portal's forms: what the patient and sitter type, parsed for the services.

The forms only parse (required answers, whole numbers); the rules (the pre-dose gate,
plausible readings, the CADSS-6 answers) belong to ketacare.treatment.sessions, whose
field errors the views put back on these forms with `put_errors`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.boundfield import BoundWidget

from ketacare.clinical import instruments, postdose, predose, safety
from ketacare.kernel.errors import DomainError
from ketacare.patients.models import Sitter
from ketacare.treatment.models import (
    UNIT_NOUNS,
    AdverseEventOutcome,
    Feeling,
    Severity,
    SideEffect,
    SubstanceToday,
    TreatmentPlan,
)
from ketacare.web.portal.pages import dose_mg_of_units

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


# The C-SSRS screen as the checklist asks it (CLINICAL.md A8, G3): since the last session
# or contact with the clinic, in the checklist's own kind words. Each field is one of
# clinical.predose.checklist_cssrs's answers; the follow-ups are asked after a yes to the
# question about thoughts of killing oneself.
CSSRS_QUESTIONS: Mapping[str, str] = {
    "wish_to_be_dead": (
        "Since your last session or contact with the clinic, have you wished you were dead, "
        "or wished you could go to sleep and not wake up?"
    ),
    "suicidal_thoughts": "Since then, have you had any thoughts of killing yourself?",
    "thoughts_with_method": "Have you thought about how you might do this?",
    "intent": "Have you had any intention of acting on these thoughts?",
    "plan_with_intent": (
        "Have you started to work out, or worked out, the details of how to kill yourself, "
        "and do you mean to carry out that plan?"
    ),
    "behaviour": (
        "Since then, have you done anything, started to do anything, or prepared to do "
        "anything to end your life?"
    ),
}
CSSRS_GATE = "suicidal_thoughts"
CSSRS_FOLLOW_UPS = ("thoughts_with_method", "intent", "plan_with_intent")
FOLLOW_UP_HELP = (
    "Answer this only if you answered yes to the question about thoughts of killing yourself."
)


class ChecklistForm(PortalForm):
    """The pre-dose checklist (ketacare.treatment.sessions.start_session).

    The sitter confirms being there themself (their own sign-in, or a texted code); the
    patient still answers whether the sitter is with them.
    """

    service_fields: Mapping[str, str] = {
        "blood_pressure": "systolic_mmhg",
        "cssrs_answers": "cssrs_suicidal_thoughts",
    }

    sitter_present = _yes_no("Is your sitter with you now?")
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, question in CSSRS_QUESTIONS.items():
            follow_up = name in CSSRS_FOLLOW_UPS
            field = _yes_no(question, FOLLOW_UP_HELP if follow_up else "")
            if follow_up:  # asked after a yes to the gate question only
                field.required, field.empty_value = False, None
            self.fields[f"cssrs_{name}"] = field

    def cssrs_fields(self) -> list[forms.BoundField]:
        return [self[f"cssrs_{name}"] for name in CSSRS_QUESTIONS if name not in CSSRS_FOLLOW_UPS]

    def cssrs_follow_ups(self) -> list[forms.BoundField]:
        return [self[f"cssrs_{name}"] for name in CSSRS_FOLLOW_UPS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        gate = data.get(f"cssrs_{CSSRS_GATE}")
        if gate is None:
            return data
        for name in CSSRS_FOLLOW_UPS:
            answer = data.get(f"cssrs_{name}")
            if gate and answer is None and f"cssrs_{name}" not in self.errors:
                self.add_error(f"cssrs_{name}", "Choose yes or no.")
            if not gate and answer:
                self.add_error(
                    f"cssrs_{CSSRS_GATE}",
                    "Please check this answer: you answered yes to a question that "
                    "follows it, which is asked only after a yes here.",
                )
                break
        return data

    def cssrs_answers(self) -> dict[int, int]:
        """The seven C-SSRS answers, built by clinical.predose.checklist_cssrs."""
        data = self.cleaned_data
        answered = {name: bool(data.get(f"cssrs_{name}")) for name in CSSRS_QUESTIONS}
        return dict(predose.checklist_cssrs(**answered).answers)

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "sitter_present": data["sitter_present"],
            "cssrs_answers": self.cssrs_answers(),
            "fasted": data["fasted"],
            "no_driving_until_tomorrow": data["no_driving_until_tomorrow"],
            "substances_today": data["substances_today"],
            "systolic_mmhg": data["systolic_mmhg"],
            "diastolic_mmhg": data["diastolic_mmhg"],
            "heart_rate_bpm": data["heart_rate_bpm"],
        }


def _sitters(choices: Iterable[Sitter]) -> forms.ModelChoiceField[Sitter]:
    return forms.ModelChoiceField(
        queryset=Sitter.objects.filter(pk__in=[s.pk for s in choices]),
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choose your sitter.",
            "invalid_choice": "Choose one of your sitters.",
        },
    )


def _code() -> forms.RegexField:
    return forms.RegexField(
        label="The 6-digit code",
        regex=r"^\s*[0-9]{6}\s*$",
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8}
        ),
        error_messages={
            "required": "Type the 6-digit code your sitter reads out.",
            "invalid": "The code is 6 digits: type them without spaces.",
        },
    )


class SitterCodeForm(PortalForm):
    """Text a code to one of the patient's sitters (send_sitter_code)."""

    service_fields: Mapping[str, str] = {"code": "code"}

    def __init__(self, *args: Any, sitters: Iterable[Sitter], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sitter"] = _sitters(sitters)


class PresenceCodeForm(SitterCodeForm):
    """The code the sitter reads out, typed on the patient's device (confirm_presence_with_code)."""

    code = _code()


class ReleaseCodeForm(SitterCodeForm):
    """The sitter, on the patient's device: the code, and whether the patient is well."""

    code = _code()
    stable = forms.TypedChoiceField(
        label="Is the person you are sitting for alert and stable?",
        choices=(("yes", "Yes, alert and stable"), ("no", "I cannot confirm that")),
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose one of the two answers."},
    )


class DoseForm(PortalForm):
    """The dose taken: the plan's at the moment of pressing, or what the patient says."""

    service_fields: Mapping[str, str] = {"dose_mg": "units"}

    already_taken = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, plan: TreatmentPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        step = plan.ledger_step
        noun = UNIT_NOUNS[plan.formulation_kind][1]
        self.fields["units"] = forms.DecimalField(
            label=f"How many {noun} did you take?",
            required=False,
            min_value=step,
            max_digits=5,
            decimal_places=1,
            help_text="Halves are fine: type 1.5 for one and a half." if step < 1 else "",
            widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": f"{step:f}"}),
            error_messages={
                "invalid": f"Type the number of {noun}.",
                "min_value": f"Type the number of {noun} you took.",
                "max_digits": f"Type the number of {noun} you took.",
                "max_whole_digits": f"Type the number of {noun} you took.",
                "max_decimal_places": f"Type a whole number of {noun}"
                + (", or a half." if step < 1 else "."),
            },
        )

    def clean_units(self) -> Decimal | None:
        count: Decimal | None = self.cleaned_data.get("units")
        if count is not None and count % self.plan.ledger_step:
            noun = UNIT_NOUNS[self.plan.formulation_kind][1]
            raise ValidationError(f"Type a whole number of {noun}.")
        return count

    def dose_mg(self) -> Decimal:
        """The dose for the service: the plan's, or the units the patient typed, in mg."""
        count: Decimal | None = self.cleaned_data.get("units")
        return self.plan.dose_mg if count is None else dose_mg_of_units(self.plan, count)


class ReadingForm(PortalForm):
    """A blood pressure after the dose (record_post_dose_reading)."""

    service_fields: Mapping[str, str] = {"blood_pressure": "systolic_mmhg"}

    systolic_mmhg = _whole("Blood pressure: top number (systolic)")
    diastolic_mmhg = _whole("Blood pressure: bottom number (diastolic)")


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
    post_systolic_mmhg = _whole("Blood pressure now: top number (systolic)")
    post_diastolic_mmhg = _whole("Blood pressure now: bottom number (diastolic)")
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

    def side_effect_choices(self) -> list[tuple[BoundWidget, bool]]:
        """Each side effect's checkbox, and whether it means "call the emergency number now"."""
        return [(choice, choice.data["value"] in CALL_NOW) for choice in self["side_effects"]]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "feeling": data["feeling"],
            "side_effects": data["side_effects"],
            "side_effect_other": data["side_effect_other"],
            "notes": data["notes"],
            "blood_pressure": (data["post_systolic_mmhg"], data["post_diastolic_mmhg"]),
            "cadss6_answers": {
                item.number: data[f"cadss6_{item.number}"] for item in self.cadss6.items
            },
        }


# The side effects the check-in marks "call the emergency number now": those clinical.postdose
# grades an emergency on their own (CLINICAL.md G6, G7).
CALL_NOW = frozenset(
    symptom.value
    for symptom, severity in postdose.SYMPTOM_SEVERITY.items()
    if severity is safety.Severity.EMERGENCY
)


class SitterReleaseForm(PortalForm):
    """The sitter ends the window from their own sign-in (release_session)."""

    stable = forms.TypedChoiceField(
        choices=(("yes", "Yes"), ("no", "No, or I am not sure")),
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose yes, or no."},
    )
    note = forms.CharField(
        label="Anything the clinic should know (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stable"].label = f"Is {name} alert and stable?"


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
