"""The session's forms after the checklist: the dose, a blood pressure, the check-in."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundWidget

from ketacare.clinical import instruments, postdose, safety
from ketacare.kernel import specs
from ketacare.treatment.models import UNIT_NOUNS, Feeling, SideEffect, TreatmentPlan
from ketacare.treatment.specs.sessions import CheckInSpec
from ketacare.web.portal.forms.base import PortalForm, whole
from ketacare.web.portal.pages import dose_mg_of_units


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

    systolic_mmhg = whole("Blood pressure: top number (systolic)")
    diastolic_mmhg = whole("Blood pressure: bottom number (diastolic)")


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
    post_systolic_mmhg = whole("Blood pressure now: top number (systolic)")
    post_diastolic_mmhg = whole("Blood pressure now: bottom number (diastolic)")
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

    def spec(self) -> CheckInSpec:
        """The check-in as the service's command (refused as a ValidationError)."""
        data = self.cleaned_data
        return specs.read(
            CheckInSpec,
            {
                "feeling": data["feeling"],
                "side_effects": data["side_effects"],
                "side_effect_other": data["side_effect_other"],
                "notes": data["notes"],
                "blood_pressure": (data["post_systolic_mmhg"], data["post_diastolic_mmhg"]),
                "cadss6_answers": {
                    item.number: data[f"cadss6_{item.number}"] for item in self.cadss6.items
                },
            },
        )


# The side effects the check-in marks "call the emergency number now": those clinical.postdose
# grades an emergency on their own (CLINICAL.md G6, G7).
CALL_NOW = frozenset(
    symptom.value
    for symptom, severity in postdose.SYMPTOM_SEVERITY.items()
    if severity is safety.Severity.EMERGENCY
)
