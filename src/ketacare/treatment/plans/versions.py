"""Writing a plan version: the first (`create_plan`) and each next one (`revise_plan`)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction

from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock
from ketacare.patients.models import Patient
from ketacare.treatment import ledger
from ketacare.treatment.access import PLANNING, PRESCRIBERS, require, require_phase
from ketacare.treatment.errors import PlanExists, PlanSuperseded, StockOnHand
from ketacare.treatment.models import TABLET_KINDS, FormulationKind, TreatmentPlan
from ketacare.treatment.plans.build import Spec, step_of, validated
from ketacare.treatment.plans.rules import CAP_FIELDS, active_plan, check_in_bounds_min
from ketacare.treatment.plans.schedule import schedule_parameters

if TYPE_CHECKING:
    from ketacare.accounts.models import User


def create_plan(  # noqa: PLR0913 - the plan's fields, as the issue lists them
    actor: User,
    patient: Patient,
    *,
    route: str,
    formulation: Mapping[str, Any],
    schedule: Mapping[str, Any],
    dose_mg: float | Decimal | None = None,
    dose_mg_per_kg: float | Decimal | None = None,
    indication: str | None = None,
    caps: Mapping[str, Any] | None = None,
    pre_dose_limits: Mapping[str, Any] | None = None,
    check_in_deadline_min: int | None = None,
    sitter_required: bool = True,
    reason: str = "",
) -> TreatmentPlan:
    """Write a patient's first plan (version 1). A change later is `revise_plan`.

    formulation: {"kind": "troche", "strength_mg": 50, "scored": True}, or
    {"kind": "nasal_spray", "concentration_mg_per_ml": 100, "spray_volume_ml": 0.1}
    (esketamine devices are refused: never at home, CLINICAL.md G4). schedule:
    {"pattern": "at_home", "first_day": "2025-03-03", "time_of_day": "18:00",
    "maintenance_weeks": 4}. caps and pre_dose_limits: values that tighten the clinic's
    (see CAP_FIELDS and LIMIT_FIELDS). check_in_deadline_min: None is the clinic's
    deadline. The dose is at most the first-session limit until the patient has taken a
    dose (clinical.dosing.first_session_limit).
    """
    require(actor, patient, PRESCRIBERS, "write treatment plans")
    spec = Spec(
        indication=patient.indication if indication is None else indication,
        route=route,
        formulation=formulation,
        dose_mg=dose_mg,
        dose_mg_per_kg=dose_mg_per_kg,
        schedule=schedule,
        caps=caps,
        pre_dose_limits=pre_dose_limits,
        check_in_deadline_min=check_in_deadline_min,
        sitter_required=sitter_required,
    )
    with transaction.atomic():
        locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
        require_phase(locked, PLANNING, "write a treatment plan")
        plan = _first_version(actor, locked, spec, reason)
        plan.save()
        _count_in_plan_unit(locked, plan)
        record(Event.about(AuditAction.CREATE, plan, detail={"version": 1}), actor=actor)
    return plan


def _first_version(actor: User, locked: Patient, spec: Spec, reason: object) -> TreatmentPlan:
    """Version 1 of the patient's plan, validated and unsaved; PlanExists if they have one."""
    if active_plan(locked) is not None:
        raise PlanExists("The patient has a plan already: revise it to change it.")
    step = step_of(locked)
    if spec.check_in_deadline_min is None:
        spec.check_in_deadline_min = check_in_bounds_min(step.rules.safety)[1]
    plan = validated(locked, spec, reason, step)
    plan.version, plan.created_by, plan.created_at = 1, actor, clock.now()
    return plan


def _count_in_plan_unit(locked: Patient, plan: TreatmentPlan) -> None:
    """The patient's ledger counts in the unit of the plan's product."""
    account = ledger.locked_account(locked)
    account.unit = plan.ledger_unit
    account.save(update_fields=["unit"])


_KEEP: Any = object()  # revise_plan: keep the current version's value


def revise_plan(  # noqa: PLR0913 - any of the plan's fields may change
    actor: User,
    plan: TreatmentPlan,
    *,
    reason: str,
    route: str = _KEEP,
    formulation: Mapping[str, Any] = _KEEP,
    schedule: Mapping[str, Any] = _KEEP,
    dose_mg: float | Decimal | None = None,
    dose_mg_per_kg: float | Decimal | None = None,
    indication: str = _KEEP,
    caps: Mapping[str, Any] | None = _KEEP,
    pre_dose_limits: Mapping[str, Any] | None = _KEEP,
    check_in_deadline_min: int = _KEEP,
    sitter_required: bool = _KEEP,
) -> TreatmentPlan:
    """Write the next version of the current plan; fields not given keep their value.

    No dose given keeps the dose in mg (re-rounded for a new product, with a note); a
    new product without caps takes that product's default caps. A new dose by the same
    route is at most one revision's largest increase from the current one
    (clinical.dosing.revision_limit); by another route, or before the first dose, at
    most the first-session limit. The product may change only while the ledger balance
    is zero (StockOnHand): one ledger counts one product. `plan` must be the current
    version (PlanSuperseded otherwise).
    """
    patient = plan.patient
    require(actor, patient, PRESCRIBERS, "revise treatment plans")
    given = Spec(
        indication=indication,
        route=route,
        formulation=formulation,
        dose_mg=dose_mg,
        dose_mg_per_kg=dose_mg_per_kg,
        schedule=schedule,
        caps=caps,
        pre_dose_limits=pre_dose_limits,
        check_in_deadline_min=check_in_deadline_min,
        sitter_required=sitter_required,
    )
    with transaction.atomic():
        locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
        require_phase(locked, PLANNING, "revise a treatment plan")
        current = _current_version(locked, plan)
        revised = validated(locked, _revision(given, current), reason, step_of(locked, current))
        _change_product(locked, current, revised)
        _supersede(actor, current, revised)
        detail = {"version": revised.version, "supersedes": current.version}
        record(Event.about(AuditAction.CREATE, revised, detail=detail), actor=actor)
    return revised


def _current_version(locked: Patient, plan: TreatmentPlan) -> TreatmentPlan:
    """The patient's current plan, which `plan` must be (PlanSuperseded otherwise)."""
    current = active_plan(locked)
    if current is None or current.pk != plan.pk:
        latest = f"version {current.version}" if current else "no plan"
        raise PlanSuperseded(f"Version {plan.version} is not the current plan ({latest}).")
    return current


def _revision(given: Spec, current: TreatmentPlan) -> Spec:
    """The next version's spec: what `given` changes, the current version's value for _KEEP."""

    def keep(value: Any, old: Any) -> Any:
        return old if value is _KEEP else value

    new_product = given.formulation is not _KEEP
    no_dose = given.dose_mg is None and given.dose_mg_per_kg is None
    return Spec(
        indication=keep(given.indication, current.indication),
        route=keep(given.route, current.route),
        formulation=keep(given.formulation, _formulation_of(current)),
        dose_mg=float(current.dose_mg) if no_dose else given.dose_mg,
        dose_mg_per_kg=given.dose_mg_per_kg,
        schedule=keep(given.schedule, schedule_parameters(current)),
        caps=keep(given.caps, None if new_product else _cap_values(current)),
        pre_dose_limits=keep(given.pre_dose_limits, current.pre_dose_limits),
        check_in_deadline_min=keep(given.check_in_deadline_min, current.check_in_deadline_min),
        sitter_required=keep(given.sitter_required, current.sitter_required),
    )


def _change_product(locked: Patient, current: TreatmentPlan, revised: TreatmentPlan) -> None:
    """A new product: the ledger, empty (StockOnHand otherwise), counts in its unit."""
    if revised.product_key == current.product_key:
        return
    account = ledger.locked_account(locked)
    if account.balance > 0:
        raise StockOnHand(
            f"The ledger still holds {account.balance} {account.unit} of "
            f"{current.formulation.name}: return or destroy them before changing "
            "the product."
        )
    account.unit = revised.ledger_unit
    account.save(update_fields=["unit"])


def _supersede(actor: User, current: TreatmentPlan, revised: TreatmentPlan) -> None:
    """`revised` becomes the current version, `current` the one it supersedes."""
    current.is_current = False
    current.save(update_fields=["is_current"])
    revised.version, revised.supersedes = current.version + 1, current
    revised.created_by, revised.created_at = actor, clock.now()
    revised.save()


def _formulation_of(plan: TreatmentPlan) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": plan.formulation_kind}
    if plan.formulation_kind in TABLET_KINDS:
        data |= {"strength_mg": plan.strength_mg, "scored": plan.scored}
    elif plan.formulation_kind == FormulationKind.NASAL_SPRAY:
        data |= {
            "concentration_mg_per_ml": plan.concentration_mg_per_ml,
            "spray_volume_ml": plan.spray_volume_ml,
        }
    return data


def _cap_values(plan: TreatmentPlan) -> dict[str, Any]:
    return {name: plan.caps.get(name) for name in CAP_FIELDS}
