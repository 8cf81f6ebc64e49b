"""Writing a plan version: the first (`create_plan`) and each next one (`revise_plan`).

Both are one body (`_write_version`): under the patient's row lock, in a phase that
allows planning, the version is validated against the clinic's rules and where the
course stands (`build.step_of`), saved, and its ledger counts in its product's unit.
Where the clinic asks for it, a revision waits for a prescriber's review note signed on
the chart since the current version (`_require_review_note`). A revision is first made
a whole plan (`_revision`: what it does not change is the current version's), so the
two use cases check a plan the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from ketacare.accounts.roles import Role
from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.clinical import plausible
from ketacare.kernel import clock, specs, usecase
from ketacare.kernel.usecase import use_case
from ketacare.notes.models import NoteKind
from ketacare.notes.queries import latest_signed
from ketacare.patients.access import require
from ketacare.patients.models import Patient
from ketacare.patients.protocol import review_note_required
from ketacare.treatment import ledger
from ketacare.treatment.access import PLANNING, require_phase
from ketacare.treatment.errors import PlanExists, PlanSuperseded, ReviewNoteMissing, StockOnHand
from ketacare.treatment.models import TABLET_KINDS, FormulationKind, TreatmentPlan
from ketacare.treatment.plans.build import step_of, validated
from ketacare.treatment.plans.rules import CAP_FIELDS, active_plan
from ketacare.treatment.plans.schedule import schedule_parameters
from ketacare.treatment.specs.plans import PlanRevisionSpec, PlanSpec, ScheduleSpec

if TYPE_CHECKING:
    from ketacare.accounts.models import User


@use_case("create_plan")
def create_plan(actor: User, patient: Patient, spec: PlanSpec) -> TreatmentPlan:
    """Write a patient's first plan (version 1). A change later is `revise_plan`.

    The dose is at most the first-session limit until the patient has taken a dose
    (clinical.dosing.first_session_limit). PlanExists if the patient has a plan. The
    first day is today or later, within about 6 months (clinical.plausible).
    """
    require(actor, patient, "create_plan")
    locked = _locked(patient, "write a treatment plan")
    if active_plan(locked) is not None:
        raise PlanExists("The patient has a plan already: revise it to change it.")
    today = clock.now().astimezone(ZoneInfo(locked.timezone)).date()
    schedule: ScheduleSpec = spec.schedule
    problem = plausible.plan_start_problem(schedule.first_day, today)
    if problem:
        raise ValidationError({"schedule.first_day": problem})
    return _write_version(actor, locked, spec, None)


@use_case("revise_plan")
def revise_plan(actor: User, plan: TreatmentPlan, spec: PlanRevisionSpec) -> TreatmentPlan:
    """Write the next version of the current plan; fields not given keep their value.

    No dose given keeps the dose in mg (re-rounded for a new product, with a note); a
    new product without caps takes that product's default caps. A new dose by the same
    route is at most one revision's largest increase from the current one
    (clinical.dosing.revision_limit); by another route, or before the first dose, at
    most the first-session limit. The product may change only while the ledger balance
    is zero (StockOnHand): one ledger counts one product. `plan` must be the current
    version (PlanSuperseded otherwise).
    """
    require(actor, plan.patient, "revise_plan")
    locked = _locked(plan.patient, "revise a treatment plan")
    current = active_plan(locked)
    if current is None or current.pk != plan.pk:
        latest = f"version {current.version}" if current else "no plan"
        raise PlanSuperseded(f"Version {plan.version} is not the current plan ({latest}).")
    _require_review_note(locked, current)
    return _write_version(actor, locked, _revision(spec, current), current)


def _require_review_note(patient: Patient, current: TreatmentPlan) -> None:
    """Where the clinic asks for it, a prescriber's review note signed since `current`."""
    if not review_note_required(patient.clinic_id):
        return
    note = latest_signed(
        patient, NoteKind.PRESCRIBER_REVIEW, since=current.created_at, role=Role.PRESCRIBER
    )
    if note is None:
        raise ReviewNoteMissing(
            "Write and sign a prescriber review note on the chart first: this clinic "
            f"revises a plan only after one, signed since version {current.version} was made."
        )


def _locked(patient: Patient, what: str) -> Patient:
    locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
    require_phase(locked, PLANNING, what)
    return locked


def _write_version(
    actor: User, locked: Patient, spec: PlanSpec, current: TreatmentPlan | None
) -> TreatmentPlan:
    """The next version of the patient's plan (the first when `current` is None), saved."""
    plan = validated(locked, spec, step_of(locked, current))
    account = ledger.locked_account(locked)
    if current is not None and plan.product_key != current.product_key and account.balance > 0:
        raise StockOnHand(
            f"The ledger still holds {account.balance} {account.unit} of "
            f"{current.formulation.name}: return or destroy them before changing "
            "the product."
        )
    detail: dict[str, Any] = {"version": 1}
    if current is not None:
        current.is_current = False
        current.save(update_fields=["is_current"])
        plan.supersedes = current
        detail = {"version": current.version + 1, "supersedes": current.version}
    plan.version, plan.created_by, plan.created_at = detail["version"], actor, clock.now()
    plan.save()
    if account.unit != plan.ledger_unit:  # the ledger counts in the unit of the product
        account.unit = plan.ledger_unit
        account.save(update_fields=["unit"])
    usecase.note(Event.about(AuditAction.CREATE, plan, detail=detail))
    return plan


def _revision(spec: PlanRevisionSpec, current: TreatmentPlan) -> PlanSpec:
    """The next version as a whole plan: what `spec` changes, the current version's values."""
    given = spec.model_fields_set

    def kept(name: str, old: object) -> object:
        value = getattr(spec, name)
        return old if value is None else value

    no_dose = spec.dose_mg is None and spec.dose_mg_per_kg is None
    old_caps = None if spec.formulation is not None else _cap_values(current)
    return specs.read(
        PlanSpec,
        {
            "indication": kept("indication", current.indication),
            "route": kept("route", current.route),
            "formulation": kept("formulation", _formulation_of(current)),
            "dose_mg": float(current.dose_mg) if no_dose else spec.dose_mg,
            "dose_mg_per_kg": spec.dose_mg_per_kg,
            "schedule": kept("schedule", schedule_parameters(current)),
            "caps": spec.caps if "caps" in given else old_caps,
            "pre_dose_limits": (
                spec.pre_dose_limits if "pre_dose_limits" in given else current.pre_dose_limits
            ),
            "check_in_deadline_min": kept("check_in_deadline_min", current.check_in_deadline_min),
            "sitter_required": kept("sitter_required", current.sitter_required),
            "reason": spec.reason,
        },
    )


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
