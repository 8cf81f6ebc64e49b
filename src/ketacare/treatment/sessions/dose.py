"""The dose: the gate again at dose time, the observation window, the ledger."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.clinical import dosing, postdose, predose, safety
from ketacare.kernel import clock, usecase
from ketacare.kernel.usecase import use_case
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment import alerting, ledger
from ketacare.treatment.access import TREATING, require_phase
from ketacare.treatment.errors import AlreadyRecorded, GateFailed, GateOutdated, PlanChanged
from ketacare.treatment.gate import checklist_of, gate_facts
from ketacare.treatment.models import (
    DOSED_STATUSES,
    DiversionFinding,
    DiversionKind,
    DosingSession,
    LedgerEventKind,
    SessionStatus,
    TreatmentPlan,
)
from ketacare.treatment.phase_moves import start_induction_on_first_dose
from ketacare.treatment.plans import plan_caps, plan_safety_rules
from ketacare.treatment.sessions.common import (
    doses_taken,
    finding_from_json,
    finding_json,
    require_session_actor,
)
from ketacare.treatment.specs.sessions import DoseSpec

if TYPE_CHECKING:
    from ketacare.accounts.models import User
    from ketacare.treatment.models import LedgerEvent


@use_case("record_dose_taken")
def record_dose_taken(actor: User, session: DosingSession, spec: DoseSpec) -> DosingSession:
    """Record the dose: the gate runs again now, the window starts, the ledger goes down.

    Refused (nothing stored): the gate holds the dose now (GateFailed, with its findings;
    a checklist that failed, or one that no longer passes: too old, a dose or a
    suicidality signal since...), a dose already recorded (AlreadyRecorded), another dose
    since the checklist (GateOutdated), a revised plan (PlanChanged), a dose the product
    cannot make or a time outside the session (a field error).

    `already_taken`: the patient reports a dose taken although the gate held it; it is
    recorded as taken against the gate and pages the care team (never refused). A dose
    that differs from the plan's is recorded as taken, not as planned, and pages. The
    patient's first dose moves them from approved to induction.
    """
    patient = session.patient
    require_session_actor(actor, patient, "record_dose_taken")
    now = clock.now()
    when = now if spec.taken_at is None else spec.taken_at
    refused = _undeliverable(session.plan, spec.dose_mg)
    if not session.started_at <= when <= now:
        refused["taken_at"] = "The dose is taken after the checklist and not in the future."
    if refused:
        raise ValidationError(refused)
    locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
    current = DosingSession.objects.select_for_update(no_key=True).get(pk=session.pk)
    gate = _gate_at_dose(current, locked, when, forced=spec.already_taken)
    _record(actor, current, locked, amount=spec.dose_mg, when=when, gate=gate)
    return current


def _undeliverable(plan: TreatmentPlan, amount: float) -> dict[str, str]:
    """{"dose_mg": why} when the product cannot make the dose, else {}."""
    try:
        plan.formulation.steps(amount)
    except dosing.InvalidDosingInput:
        step = plan.formulation.step_mg
        return {
            "dose_mg": f"{plan.formulation.name} comes in steps of {step:g} mg: give the dose "
            f"taken in steps of {step:g} mg (the plan's dose is {plan.dose_mg.normalize():f} mg)."
        }
    return {}


def _gate_at_dose(
    session: DosingSession, patient: Patient, when: datetime, *, forced: bool
) -> predose.GateResult:
    """The gate again at the moment of the dose; refused unless the dose was taken already."""
    if session.status in DOSED_STATUSES:
        raise AlreadyRecorded("The dose of this session is recorded already.")
    require_phase(patient, TREATING, "take a dose")
    plan = TreatmentPlan.objects.filter(patient_id=patient.pk, is_current=True).first()
    if not forced and (plan is None or plan.pk != session.plan_id):
        raise PlanChanged("The plan changed after this checklist: start a new session.")
    if not forced and doses_taken(patient) != session.doses_before:
        raise GateOutdated(
            "A dose was recorded after this checklist: start a new session, so the "
            "checklist sees it."
        )
    if session.status == SessionStatus.GATE_FAILED:
        # The checklist failed; a gate that would pass later does not undo its reasons.
        stored = tuple(finding_from_json(f) for f in session.gate_findings)
        if not forced:
            reasons = " ".join(f.message for f in stored)
            raise GateFailed(f"The pre-dose checklist failed: {reasons}", findings=stored)
        return predose.GateResult(allowed=False, findings=stored)
    facts = gate_facts(
        patient, session.plan, checklist_of(session), now=when, presence=session.sitter_presence
    )
    gate = predose.check_pre_dose(facts, plan_safety_rules(session.plan))
    if not gate.allowed and not forced:
        reasons = " ".join(f.message for f in gate.findings)
        raise GateFailed(
            f"The pre-dose checklist does not allow a dose now: {reasons}", findings=gate.findings
        )
    return gate


def _record(  # noqa: PLR0913 - the session, its patient, what was taken, when, and the gate
    actor: User,
    session: DosingSession,
    patient: Patient,
    *,
    amount: float,
    when: datetime,
    gate: predose.GateResult,
) -> None:
    plan = session.plan
    rules = plan_safety_rules(plan)
    ceiling = plan_caps(plan).session_ceiling_mg(float(plan.weight_kg))
    off_plan = safety.check_dose_against_plan(
        taken_mg=amount, planned_mg=float(plan.dose_mg), session_cap_mg=ceiling, rules=rules
    )
    against = None if gate.allowed else predose.dose_against_gate(gate)
    event, short = _take_from_ledger(actor, session, patient, plan.ledger_units(amount))
    window = postdose.post_dose_window(when, rules)
    session.status = SessionStatus.DOSED
    session.dose_mg = Decimal(repr(amount))
    session.planned_dose_mg = plan.dose_mg
    session.as_planned = off_plan is None
    session.against_gate = against is not None
    session.dose_findings = [finding_json(f) for f in (against, off_plan) if f is not None]
    session.taken_at = when
    session.bp_due_at = window.bp_due_at
    session.observation_ends_at = window.observation_ends_at
    session.check_in_due_at = window.check_in_due_at
    session.ledger_event = event
    session.dose_recorded_by, session.dose_recorded_at = actor, clock.now()
    session.save()
    if patient.first_dose_at is None:  # each session starts after the last dose
        patient.first_dose_at = when
        patient.save(update_fields=["first_dose_at", "updated_at"])
    for finding in (against, off_plan):
        if finding is not None:
            alerting.session_finding(session, finding, dose_mg=str(session.dose_mg))
    if short is not None:
        alerting.diversion_finding(patient, short)
    usecase.note(Event.about(AuditAction.UPDATE, session, detail={"status": session.status}))
    if patient.phase == Phase.APPROVED:
        usecase.note(start_induction_on_first_dose(actor, patient, session))


def _take_from_ledger(
    actor: User, session: DosingSession, patient: Patient, units: Decimal
) -> tuple[LedgerEvent | None, DiversionFinding | None]:
    """The units taken come off the ledger; what the ledger did not hold is a finding.

    A dose is a fact: the patient has taken it, so it is recorded even when the ledger
    holds fewer units than it took. The ledger goes down by what it held, never below
    zero, and the difference is a diversion finding (the patient had medicine the
    ledger did not know of).
    """
    account = ledger.locked_account(patient)
    taken = min(units, account.balance)
    event = None
    if taken > 0:
        event = ledger.post(
            account,
            kind=LedgerEventKind.TAKEN,
            change=-taken,
            actor=actor,
            note=f"Session {session.pk}.",
        )
    if taken == units:
        return event, None
    finding = DiversionFinding.objects.create(
        patient_id=patient.pk,
        kind=DiversionKind.DOSE_BEYOND_LEDGER,
        expected=account.balance + taken,
        quantity=units - taken,
        ledger_event=event,
        recorded_by=actor,
        note=f"Session {session.pk}: a dose of {units:f} {account.unit} was reported taken; "
        f"the ledger held {taken:f}.",
    )
    return event, finding
