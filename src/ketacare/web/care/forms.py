"""The forms of the care screens: they read what was typed; the services judge it.

Each form turns the browser's strings into the plain values a service takes
(`service_kwargs`), and leaves every rule (caps, refills, witnesses...) to the service,
whose errors come back next to these fields (`FIELDS` maps the service's paths).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from ketacare.intake.models import ReviewDecision
from ketacare.treatment.ledger import RECORDED_HERE
from ketacare.treatment.models import FormulationKind, Route
from ketacare.treatment.plans import AT_HOME_KINDS

MAX_TEXT = 2000


class CareForm(forms.Form):
    """A form whose inputs name their help and their error (aria-describedby)."""

    def full_clean(self) -> None:
        super().full_clean()
        self._describe()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self._describe()

    def _describe(self) -> None:
        for name, field in self.fields.items():
            bound = self[name]
            ids = [f"{bound.auto_id}_helptext"] if field.help_text else []
            if name in self.errors:
                ids.append(f"{bound.auto_id}_error")
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)


class ReviewForm(CareForm):
    decision = forms.ChoiceField(
        label="Decision", choices=ReviewDecision.choices, widget=forms.RadioSelect
    )
    justification = forms.CharField(
        label="Reason or justification",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required to decline, and to approve over cautions.",
    )


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
        self._describe()

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

    def service_kwargs(self) -> dict[str, Any]:
        """The arguments of create_plan / revise_plan, as the service takes them."""
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
    weight_kg = forms.DecimalField(min_value=Decimal(30), max_value=Decimal(250), required=False)


def _choices(field: forms.Field, choices: list[tuple[int, str]], empty: str | None) -> None:
    assert isinstance(field, forms.TypedChoiceField)  # noqa: S101 - declared so
    blank: list[tuple[int | str, str]] = [] if empty is None else [("", empty)]
    field.choices = [*blank, *choices]


def _reason(label: str, help_text: str = "", *, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


class PrescriptionForm(CareForm):
    """A new prescription, or the correction of one (`corrects`, with its `reason`)."""

    quantity = forms.IntegerField(label="Units per fill", min_value=1, max_value=100_000)
    refills = forms.IntegerField(
        label="Refills after the first fill", min_value=0, max_value=100, initial=0
    )
    earliest_refill_on = forms.DateField(
        label="Earliest refill date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Needed when there are refills.",
    )
    directions = forms.CharField(
        label="Directions for use", max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    quantity_reason = _reason(
        "Reason for more units than the plan needs",
        "Only when the units in all (per fill x fills) are more than the plan still needs: "
        "a second prescriber then co-signs before anything is dispensed.",
    )
    corrects = forms.TypedChoiceField(
        label="Replaces prescription",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="To correct one of your prescriptions: it is voided and this one replaces it.",
    )
    reason = _reason("Reason for the correction", "Needed when it replaces a prescription.")

    def __init__(self, *args: Any, replaceable: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["corrects"], replaceable, "None: a new prescription")

    def count_in(self, words: str) -> None:
        """Say under "Units per fill" what the units are (the product's own word)."""
        self.fields["quantity"].help_text = words
        self._describe()

    def service_kwargs(self) -> dict[str, Any]:
        """The fields write_prescription and correct_prescription share."""
        data = self.cleaned_data
        names = ("quantity", "refills", "directions", "earliest_refill_on", "quantity_reason")
        return {name: data[name] for name in names}


class PrescriptionActionForm(CareForm):
    """Co-sign or void one prescription of the list (a void says why)."""

    prescription = forms.IntegerField(widget=forms.HiddenInput)
    reason = _reason("Reason to void it")


class DispenseForm(CareForm):
    prescription = forms.TypedChoiceField(label="Prescription", coerce=int)
    quantity = forms.IntegerField(label="Units dispensed", min_value=1, max_value=100_000)
    lot_number = forms.CharField(label="Lot number", max_length=40)
    expires_on = forms.DateField(
        label="Lot expiry date", widget=forms.DateInput(attrs={"type": "date"})
    )
    early_reason = _reason("Reason for an early refill", "Only before the earliest refill date.")

    def __init__(self, *args: Any, prescriptions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["prescription"], prescriptions, None)


class DispenseFixForm(CareForm):
    """Void one of your dispenses, or correct it: what was really dispensed replaces it."""

    dispense = forms.TypedChoiceField(label="Dispense", coerce=int)
    reason = _reason("Reason")
    quantity = forms.IntegerField(
        label="Units really dispensed",
        min_value=1,
        max_value=100_000,
        required=False,
        help_text="To correct it; leave the three empty to void it only.",
    )
    lot_number = forms.CharField(label="Lot number really dispensed", max_length=40, required=False)
    expires_on = forms.DateField(
        label="Its expiry date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, dispenses: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["dispense"], dispenses, None)

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        given = [data.get(n) not in (None, "") for n in ("quantity", "lot_number", "expires_on")]
        if any(given) and not all(given):
            self.add_error(
                "quantity", "To correct it, give the units, the lot and its expiry date."
            )
        return data

    @property
    def corrects(self) -> bool:
        """A correction (the units, lot and expiry given), not a void only."""
        return self.cleaned_data.get("quantity") is not None


class LedgerEventForm(CareForm):
    kind = forms.ChoiceField(
        label="What happened", choices=[(k.value, k.label) for k in RECORDED_HERE]
    )
    quantity = forms.DecimalField(
        label="Units (counted, returned, destroyed or lost)",
        min_value=Decimal(0),
        max_digits=9,
        decimal_places=1,
    )
    witness = forms.TypedChoiceField(label="Witness", coerce=int, required=False, empty_value=None)
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required for a loss or theft: when, where, reported to whom.",
    )

    def __init__(self, *args: Any, witnesses: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["witness"], witnesses, "No witness")
