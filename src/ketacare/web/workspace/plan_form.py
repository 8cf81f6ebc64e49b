"""The plan editor's forms: the plan (or a revision) and the dose of its PK preview.

The form reads what was typed; the plan's spec (treatment.specs.plans) and the service
judge it, and their refusals come back next to these fields (`PlanForm.FIELDS` maps the
spec's paths onto the form's).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from ketacare.kernel import specs
from ketacare.patients.models import WEIGHT_MAX_KG, WEIGHT_MIN_KG
from ketacare.treatment.models import FormulationKind, Route
from ketacare.treatment.plans import AT_HOME_KINDS
from ketacare.treatment.specs.plans import PlanRevisionSpec, PlanSpec
from ketacare.web.workspace.forms import MAX_TEXT, CareForm

DOSE_UNITS = (("mg", "mg"), ("mg_per_kg", "mg/kg"))
# At-home products and schedules only: no esketamine device and no esketamine label
# schedule (CLINICAL.md G4: esketamine is never for use at home).
PRODUCTS = tuple((kind.value, kind.label) for kind in AT_HOME_KINDS)
PATTERNS = (("at_home", "At home (induction, then maintenance)"),)


def _number(label: str, *, places: int = 2, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=places,
        help_text=help_text,
    )


def _whole(label: str, *, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=0, help_text=help_text)


class PlanForm(CareForm):
    """A plan or a revision. Blank caps and limits mean the clinic's defaults."""

    route = forms.ChoiceField(label="Route", choices=Route.choices)
    formulation_kind = forms.ChoiceField(label="Product", choices=PRODUCTS)
    strength_mg = _number("Tablet strength (mg)", help_text="The mg in one tablet or troche.")
    scored = forms.BooleanField(label="Scored (may be halved)", required=False)
    concentration_mg_per_ml = _number("Spray concentration (mg/mL)", places=1)
    spray_volume_ml = _number("Volume per spray (mL)", places=3)
    dose = forms.DecimalField(
        label="Dose per session",
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=4,
        error_messages={"required": "Give the dose per session."},
    )
    dose_unit = forms.ChoiceField(label="Dose unit", choices=DOSE_UNITS, initial="mg")
    weight_kg = _number(
        "Weight for the preview (kg)",
        places=1,
        help_text="The plan always uses the weight on the record; change it here to "
        "preview another weight.",
    )
    pattern = forms.ChoiceField(label="Schedule", choices=PATTERNS, initial="at_home")
    first_day = forms.DateField(
        label="First session day", widget=forms.DateInput(attrs={"type": "date"})
    )
    time_of_day = forms.TimeField(
        label="Time of day (patient's clock)", widget=forms.TimeInput(attrs={"type": "time"})
    )
    maintenance_weeks = _whole("Weeks of maintenance")
    max_mg_per_session = _number("Most mg per session")
    max_mg_per_kg_per_session = _number("Most mg/kg per session", places=3)
    max_mg_per_7_days = _number("Most mg per 7 days")
    max_mg_per_kg_per_7_days = _number("Most mg/kg per 7 days", places=3)
    max_sessions_per_7_days = _whole("Most sessions per 7 days")
    min_interval_min = _whole("Least minutes between doses")
    min_mg_per_session = _number("Least mg per session")
    bp_delay_gate_systolic = _whole("Delay the dose at systolic (mmHg)")
    bp_delay_gate_diastolic = _whole("Delay the dose at diastolic (mmHg)")
    bp_hard_stop_systolic = _whole("No dose at systolic (mmHg)")
    bp_hard_stop_diastolic = _whole("No dose at diastolic (mmHg)")
    heart_rate_min_bpm = _whole("Lowest heart rate (bpm)")
    heart_rate_max_bpm = _whole("Highest heart rate (bpm)")
    check_in_deadline_min = forms.IntegerField(
        label="Check-in due within (minutes after the dose)",
        min_value=1,
        help_text="After the observation that follows the dose (CLINICAL.md D), and no later "
        "than the clinic's deadline.",
    )
    reason = forms.CharField(
        label="Reason for this version",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required for a revision.",
    )

    CAPS = (
        "max_mg_per_session",
        "max_mg_per_kg_per_session",
        "max_mg_per_7_days",
        "max_mg_per_kg_per_7_days",
        "max_sessions_per_7_days",
        "min_interval_min",
        "min_mg_per_session",
    )
    LIMITS = ("heart_rate_min_bpm", "heart_rate_max_bpm")
    BP_PAIRS = ("bp_delay_gate", "bp_hard_stop")
    # The service's paths -> this form's fields.
    FIELDS = {
        "formulation": "formulation_kind",
        "formulation.kind": "formulation_kind",
        "dose_mg": "dose",
        "dose_mg_per_kg": "dose",
        **{
            f"formulation.{name}": name
            for name in ("strength_mg", "scored", "concentration_mg_per_ml", "spray_volume_ml")
        },
        "schedule": "pattern",
        **{
            f"schedule.{name}": name
            for name in ("pattern", "first_day", "time_of_day", "maintenance_weeks")
        },
        **{f"caps.{name}": name for name in CAPS},
        **{f"pre_dose_limits.{name}": name for name in LIMITS},
        **{f"pre_dose_limits.{pair}": f"{pair}_systolic" for pair in BP_PAIRS},
        "pre_dose_limits": "bp_delay_gate_systolic",
    }

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        for pair in self.BP_PAIRS:
            given = [data.get(f"{pair}_systolic"), data.get(f"{pair}_diastolic")]
            if given.count(None) == 1:
                self.add_error(f"{pair}_systolic", "Give both numbers, or leave both empty.")
        return data

    def explain_check_in(self, after_min: int, most_min: int) -> None:
        """Say under the check-in deadline what the clinic allows (plans.check_in_bounds_for)."""
        self.fields["check_in_deadline_min"].help_text = (
            f"More than {after_min} minutes (the observation after the dose, CLINICAL.md D) "
            f"and at most {most_min}, the clinic's deadline."
        )

    def formulation(self) -> dict[str, Any]:
        data = self.cleaned_data
        kind = data["formulation_kind"]
        if kind == FormulationKind.NASAL_SPRAY:
            return {
                "kind": kind,
                "concentration_mg_per_ml": data["concentration_mg_per_ml"],
                "spray_volume_ml": data["spray_volume_ml"],
            }
        return {"kind": kind, "strength_mg": data["strength_mg"], "scored": data["scored"]}

    def schedule(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "pattern": data["pattern"],
            "first_day": data["first_day"].isoformat(),
            "time_of_day": data["time_of_day"].strftime("%H:%M"),
            "maintenance_weeks": data["maintenance_weeks"] or 0,
        }

    def caps(self) -> dict[str, Any] | None:
        given = {n: self.cleaned_data[n] for n in self.CAPS if self.cleaned_data[n] is not None}
        return given or None

    def pre_dose_limits(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        given: dict[str, Any] = {n: data[n] for n in self.LIMITS if data[n] is not None}
        for pair in self.BP_PAIRS:
            systolic, diastolic = data[f"{pair}_systolic"], data[f"{pair}_diastolic"]
            if systolic is not None and diastolic is not None:
                given[pair] = [systolic, diastolic]
        return given or None

    def plan_spec(self) -> PlanSpec:
        """The first plan as create_plan takes it (ValidationError by the spec's paths)."""
        return specs.read(PlanSpec, self._plan())

    def revision_spec(self) -> PlanRevisionSpec:
        """The next version as revise_plan takes it: every field of the form changes."""
        return specs.read(PlanRevisionSpec, self._plan())

    def _plan(self) -> dict[str, Any]:
        data = self.cleaned_data
        unit = "dose_mg" if data["dose_unit"] == "mg" else "dose_mg_per_kg"
        return {
            "route": data["route"],
            "formulation": self.formulation(),
            "schedule": self.schedule(),
            unit: data["dose"],
            "caps": self.caps(),
            "pre_dose_limits": self.pre_dose_limits(),
            "check_in_deadline_min": data["check_in_deadline_min"],
            "reason": data["reason"],
        }


class PreviewForm(CareForm):
    """The few fields the pharmacokinetic preview reads (an htmx GET of the plan form)."""

    route = forms.ChoiceField(choices=Route.choices)
    formulation_kind = forms.ChoiceField(choices=PRODUCTS, required=False)
    dose = forms.DecimalField(min_value=Decimal("0.0001"), max_value=Decimal(10_000))
    dose_unit = forms.ChoiceField(choices=DOSE_UNITS, required=False)
    weight_kg = forms.DecimalField(min_value=WEIGHT_MIN_KG, max_value=WEIGHT_MAX_KG, required=False)
