"""A plan version built from what the prescriber writes, validated by clinical.dosing."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from ketacare.clinical import dosing
from ketacare.clinical.rules import ClinicRules
from ketacare.patients.models import Patient
from ketacare.patients.protocol import clinic_rules
from ketacare.treatment.models import (
    DOSE_PLACES,
    DosingSession,
    Drug,
    FormulationKind,
    TreatmentPlan,
)
from ketacare.treatment.plans.exposure import pk_summary
from ketacare.treatment.plans.limits import (
    Refusals,
    read_deadline,
    tightened_caps,
    tightened_limits,
)
from ketacare.treatment.plans.rules import caps_to_json
from ketacare.treatment.plans.schedule import read_schedule
from ketacare.treatment.specs.plans import PlanSpec, SpraySpec, TabletSpec


def _product(spec: TabletSpec | SpraySpec) -> dict[str, Any]:
    """The formulation fields of the model (at-home products are racemic ketamine)."""
    fields: dict[str, Any] = {
        "formulation_kind": FormulationKind(spec.kind),
        "strength_mg": None,
        "scored": False,
        "concentration_mg_per_ml": None,
        "spray_volume_ml": None,
        "drug": Drug.RACEMIC,
    }
    if isinstance(spec, TabletSpec):
        return fields | {"strength_mg": spec.strength_mg, "scored": spec.scored}
    return fields | {
        "concentration_mg_per_ml": spec.concentration_mg_per_ml,
        "spray_volume_ml": spec.spray_volume_ml,
    }


def _dose(
    spec: PlanSpec,
    plan: TreatmentPlan,
    caps: dosing.DoseCaps,
    limits: list[dosing.DoseLimit],
    errors: Refusals,
) -> dosing.DosePlan | None:
    """The dose, in mg or mg/kg, rounded and checked by clinical.dosing.plan_dose.

    Within the caps and this step's limits (`_limits`); a refusal is the dose's error.
    """
    path = "dose_mg" if spec.dose_mg is not None else "dose_mg_per_kg"
    amount: float = getattr(spec, path)
    try:
        return dosing.plan_dose(
            dosing.Route(plan.route),
            plan.formulation,
            weight_kg=float(plan.patient.weight_kg),
            dose_mg=amount if path == "dose_mg" else None,
            dose_mg_per_kg=amount if path == "dose_mg_per_kg" else None,
            caps=caps,
            limits=limits,
        )
    except dosing.InvalidDosingInput as exc:
        errors.add(path, str(exc))
        return None


@dataclass(frozen=True)
class Step:
    """Where the course stands when a plan version is written: what limits its dose."""

    rules: ClinicRules  # the clinic's rules (clinic_rules)
    dosed: bool  # the patient has taken a dose here
    current: TreatmentPlan | None = None  # the version a revision replaces


def _limits(
    step: Step, route: str, caps: dosing.DoseCaps, weight_kg: float
) -> list[dosing.DoseLimit]:
    """The limits of this plan version's dose (clinical.dosing, CLINICAL.md G5).

    No dose taken yet: the first-session limit. A revision by the same route: one
    revision's largest increase from the current dose. A revision to another route: the
    new route's first-session limit, since a dose by one route does not carry over to
    another (CLINICAL.md B: bioavailability differs; G11: conversions must not err high).
    """
    rules = step.rules.dosing
    same_route = step.current is not None and step.current.route == route
    limits = []
    if not step.dosed or not same_route:
        first = dosing.first_session_limit(caps, weight_kg, rules)
        if first is not None and step.dosed:  # a dose by another route, taken here
            first = dataclasses.replace(
                first,
                why=first.why.replace(
                    "for a patient who has not had ketamine here",
                    f"for a patient new to the {route} route (doses by another route do not "
                    "carry over)",
                ),
            )
        limits += [] if first is None else [first]
    if step.current is not None and same_route:
        current_mg = float(step.current.dose_mg)
        limits.append(dosing.revision_limit(current_mg, caps, weight_kg, rules))
    return limits


def _at_home_product(plan: TreatmentPlan, errors: Refusals) -> dosing.Formulation | None:
    """The plan's product as clinical.dosing reads it, if it may be used at home by its route."""
    try:
        formulation = plan.formulation
        dosing.check_at_home(formulation)  # CLINICAL.md G4: never esketamine at home
    except dosing.InvalidDosingInput as exc:
        errors.add("formulation", str(exc))
        return None
    if dosing.Route(plan.route) not in formulation.routes:
        errors.add("route", f"{formulation.name} cannot be given {plan.route}.")
        return None
    return formulation


def _build(patient: Patient, spec: PlanSpec, step: Step, errors: Refusals) -> TreatmentPlan | None:
    """An unsaved plan from `spec`, validated by clinical.dosing; None after noting errors."""
    route: str = spec.route.value
    deadline = read_deadline(spec.check_in_deadline_min, step.rules.safety, errors)
    limits = tightened_limits(spec.pre_dose_limits, step.rules.safety, errors)
    plan = TreatmentPlan(patient=patient, route=route, **_product(spec.formulation))
    formulation = _at_home_product(plan, errors)
    if formulation is None:
        return None
    caps = tightened_caps(formulation, spec.caps, step.rules.dosing, errors)
    weight_kg = float(patient.weight_kg)
    dose = (
        None
        if caps is None
        else _dose(spec, plan, caps, _limits(step, route, caps, weight_kg), errors)
    )
    if caps is None or dose is None:
        return None
    schedule = read_schedule(spec.schedule, caps, patient.timezone, step.rules.dosing, errors)
    if errors or schedule is None or limits is None:
        return None
    plan.indication = spec.indication or patient.indication
    plan.weight_kg = patient.weight_kg
    plan.dose_mg = Decimal(repr(dose.dose_mg)).quantize(Decimal(1).scaleb(-DOSE_PLACES))
    plan.dose_mg_per_kg = Decimal(repr(dose.dose_mg_per_kg)).quantize(Decimal("0.001"))
    plan.take = dose.take
    plan.dose_notes = list(dose.notes)
    plan.schedule = schedule
    plan.caps = caps_to_json(caps)
    plan.pre_dose_limits = limits
    plan.check_in_deadline_min = deadline
    plan.sitter_required = True
    plan.pk_summary = pk_summary(route, plan.drug, dose.dose_mg, weight_kg)
    return plan


def validated(patient: Patient, spec: PlanSpec, step: Step) -> TreatmentPlan:
    """The unsaved plan version `spec` writes; ValidationError naming every field refused."""
    errors = Refusals()
    plan = _build(patient, spec, step, errors)
    errors.raise_if_any()
    if plan is None:  # _build notes an error whenever it returns None
        raise ValidationError("The plan could not be built.")
    plan.reason = spec.reason
    return plan


def step_of(patient: Patient, current: TreatmentPlan | None = None) -> Step:
    """The clinic's rules and whether the patient has taken a dose yet (under the lock)."""
    dosed = DosingSession.objects.filter(patient_id=patient.pk, taken_at__isnull=False).exists()
    return Step(rules=clinic_rules(patient.clinic_id), dosed=dosed, current=current)
