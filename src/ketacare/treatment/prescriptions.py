"""Prescriptions (prescriber only): written against the plan, co-signed, voided, corrected.

A prescription carries at most what the plan still needs (clinical.dosing.prescription_need:
the sessions not yet taken x the units of a session, plus the clinic's margin, less what
the patient holds or can still fill). A larger one is refused unless the prescriber
writes why; it is then stored awaiting a co-sign, and nothing is dispensed on it until a
second prescriber of the clinic co-signs (`cosign_prescription`). A prescription is
never deleted nor edited: its author voids it with a reason (`void_prescription`), and
`correct_prescription` voids it and writes its replacement, linked, in one transaction.

Lock order (ledger.py): patient -> prescription; nothing here takes the ledger account.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.clinical import dosing
from ketacare.kernel import clock, usecase
from ketacare.kernel.errors import NotAllowed
from ketacare.kernel.usecase import use_case
from ketacare.patients.access import require
from ketacare.patients.models import Patient
from ketacare.patients.protocol import clinic_rules
from ketacare.treatment import pdmp
from ketacare.treatment.access import TREATING, require_phase
from ketacare.treatment.dispensing import (
    current_plan,
    locked_prescription,
    patient_today,
    units_in_words,
)
from ketacare.treatment.errors import (
    CosignNotNeeded,
    NotForHomeUse,
    PlanSuperseded,
    PrescriptionVoided,
    QuantityBeyondPlan,
)
from ketacare.treatment.models import (
    DosingSession,
    LedgerAccount,
    Prescription,
    PrescriptionState,
    TreatmentPlan,
)
from ketacare.treatment.specs.prescriptions import (
    CorrectionSpec,
    PrescriptionFields,
    PrescriptionSpec,
    VoidSpec,
)

if TYPE_CHECKING:
    from ketacare.accounts.models import User

PRODUCT_FIELDS = (
    "drug",
    "formulation_kind",
    "strength_mg",
    "scored",
    "concentration_mg_per_ml",
    "spray_volume_ml",
)


# --- What the plan still needs -----------------------------------------------------------------


def plan_need(patient: Patient, plan: TreatmentPlan) -> dosing.PrescriptionNeed:
    """The units a new prescription for `plan` may carry now (issue 11, item 14).

    The sessions of the plan's schedule less every dose the patient has taken; the units
    of one session at the plan's dose; the clinic's margin (its protocol); the ledger
    balance; and the units still to fill on the patient's other prescriptions of the same
    product that are neither voided nor past their last fill day (CLINICAL.md G8).
    """
    today = patient_today(patient)
    others = Prescription.objects.filter(patient_id=patient.pk, voided_at__isnull=True)
    to_fill = sum(
        rx.quantity_left
        for rx in others.select_related("patient")
        if rx.product_key == plan.product_key and rx.last_fill_on >= today
    )
    account = LedgerAccount.objects.filter(patient_id=patient.pk).first()
    return dosing.prescription_need(
        sessions_planned=len(plan.schedule["sessions"]),
        doses_taken=DosingSession.objects.filter(
            patient_id=patient.pk, taken_at__isnull=False
        ).count(),
        units_per_session=float(plan.ledger_units(float(plan.dose_mg))),
        margin_sessions=clinic_rules(patient.clinic_id).dosing.prescription_margin_sessions,
        units_on_hand=float(account.balance if account is not None else Decimal(0)),
        units_to_fill=to_fill,
    )


def _sessions(count: int) -> str:
    return f"{count} session{'' if count == 1 else 's'}"


def beyond_plan_words(plan: TreatmentPlan, need: dosing.PrescriptionNeed, units: int) -> str:
    """The refusal of a prescription of `units` in all, with its numbers and the next step."""
    if need.sessions_left:
        needs = (
            f"This plan needs {units_in_words(plan, need.units_for_sessions)} for its "
            f"remaining {_sessions(need.sessions_left)}"
        )
    elif need.units_for_sessions:
        needs = (
            "Every session of this plan is taken; it needs "
            f"{units_in_words(plan, need.units_for_sessions)}"
        )
    else:
        needs = (
            "Every session of this plan is taken: it needs no more "
            f"{units_in_words(plan, 0).removeprefix('0 ')}"
        )
    if need.margin_sessions:
        needs += f" with the clinic's margin of {_sessions(need.margin_sessions)}"
    if need.units_held:
        needs += (
            f"; the patient holds or can still fill "
            f"{units_in_words(plan, need.units_held)}, so at most {need.units_allowed:,} more"
        )
    return (
        f"{needs}; {units:,} is more. Lower the quantity, or give a reason and ask a "
        "second prescriber to co-sign."
    )


# --- Writing ---------------------------------------------------------------------------------


def _check_refill_day(patient: Patient, written: PrescriptionFields) -> None:
    """The earliest refill date is after the patient's today and within the 6 months."""
    earliest = written.earliest_refill_on
    if earliest is None:
        return
    today = patient_today(patient)
    last = dosing.last_fill_day(today)
    if earliest <= today:
        raise ValidationError({"earliest_refill_on": "The earliest refill date is after today."})
    if earliest > last:
        raise ValidationError(
            {
                "earliest_refill_on": f"No fill after {last.day} {last:%B %Y}, 6 months after "
                "the prescription is written (21 CFR 1306.22(a)): the earliest refill date "
                "is on or before it."
            }
        )


def _write(
    actor: User,
    patient: Patient,
    written: PrescriptionFields,
    *,
    corrects: Prescription | None = None,
) -> Prescription:
    """Write the prescription for the patient's current plan; the patient is locked."""
    require_phase(patient, TREATING, "write a prescription")
    plan = current_plan(patient)
    try:
        dosing.check_at_home(plan.formulation)
    except dosing.NotForHomeUse as exc:
        raise NotForHomeUse(str(exc)) from None
    identity = pdmp.prescriber_identity(actor, patient)
    pdmp.require_recent_check(patient, "write the prescription")
    need = plan_need(patient, plan)
    over = not need.allows(written.units)
    if over and not written.quantity_reason:
        raise QuantityBeyondPlan(beyond_plan_words(plan, need, written.units), field="quantity")
    prescription = Prescription.objects.create(
        patient=patient,
        **identity,
        plan=plan,
        **{name: getattr(plan, name) for name in PRODUCT_FIELDS},
        product=plan.formulation.name,
        unit=plan.ledger_unit,
        quantity=written.quantity,
        refills=written.refills,
        directions=written.directions,
        earliest_refill_on=written.earliest_refill_on,
        quantity_reason=written.quantity_reason,
        needs_cosign=over,
        corrects=corrects,
        written_by=actor,
        written_at=clock.now(),
    )
    detail: dict[str, object] = {"refills": written.refills}
    if over:
        detail |= {"units": written.units, "units_allowed": need.units_allowed, "cosign": True}
    if corrects is not None:
        detail["corrects"] = corrects.pk
    usecase.note(Event.about(AuditAction.CREATE, prescription, detail=detail))
    return prescription


@use_case("write_prescription")
def write_prescription(actor: User, patient: Patient, spec: PrescriptionSpec) -> Prescription:
    """Prescribe the current plan's product: `quantity` units a fill, `refills` refills.

    Refused: a plan that is not the patient's current one (PlanSuperseded), esketamine
    (NotForHomeUse), a prescriber without a DEA number or NPI or a patient without an
    address (PrescriberIdentityMissing), no state PDMP check within the clinic's window
    (PdmpCheckMissing), and more units in all than the plan still needs
    (QuantityBeyondPlan) unless `quantity_reason` says why; then the prescription waits
    for a second prescriber's co-sign before anything is dispensed.
    """
    require(actor, patient, "write_prescription")
    plan = TreatmentPlan.objects.filter(pk=spec.plan_id, patient_id=patient.pk).first()
    if plan is None:
        raise ValidationError({"plan_id": "No such plan of this patient."})
    _check_refill_day(patient, spec)
    locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
    require_phase(locked, TREATING, "write a prescription")
    current = current_plan(locked)
    if current.pk != plan.pk:
        raise PlanSuperseded(
            f"Plan version {plan.version} is superseded; prescribe from version {current.version}."
        )
    return _write(actor, locked, spec)


# --- Co-sign, void, correct ----------------------------------------------------------------------


@use_case("cosign_prescription")
def cosign_prescription(actor: User, prescription: Prescription) -> Prescription:
    """A second prescriber of the clinic co-signs a prescription larger than the plan needs.

    Refused for the prescriber who wrote it (NotAllowed), and for a prescription that is
    voided (PrescriptionVoided) or needs no co-sign or has it already (CosignNotNeeded).
    """
    require(actor, prescription.patient, "cosign_prescription")
    if prescription.written_by_id == actor.pk:
        raise NotAllowed(
            "A second prescriber co-signs: the prescriber who wrote this prescription may not."
        )
    rx = locked_prescription(prescription.pk)
    if rx.state == PrescriptionState.VOIDED:
        raise PrescriptionVoided(f"Prescription {rx.pk} is voided: it is not co-signed.")
    if rx.state != PrescriptionState.AWAITING_COSIGN:
        raise CosignNotNeeded(
            f"Prescription {rx.pk} is within what the plan needs or co-signed already: "
            "it awaits no co-sign."
        )
    rx.cosigned_by, rx.cosigned_at = actor, clock.now()
    rx.save(update_fields=["cosigned_by", "cosigned_at"])
    usecase.note(Event.about(AuditAction.UPDATE, rx, detail={"cosigned": True}))
    return rx


def _void(actor: User, rx: Prescription, reason: str) -> None:
    """Void a locked prescription (its author, with a reason)."""
    if rx.state == PrescriptionState.VOIDED:
        raise PrescriptionVoided(f"Prescription {rx.pk} is voided already.")
    rx.voided_by, rx.voided_at, rx.void_reason = actor, clock.now(), reason
    rx.save(update_fields=["voided_by", "voided_at", "void_reason"])
    usecase.note(Event.about(AuditAction.UPDATE, rx, detail={"voided": True}))


def _author(actor: User, prescription: Prescription, use_case: str, what: str) -> None:
    require(actor, prescription.patient, use_case)
    if prescription.written_by_id != actor.pk:
        raise NotAllowed(f"Only the prescriber who wrote a prescription may {what} it.")


@use_case("void_prescription")
def void_prescription(actor: User, prescription: Prescription, spec: VoidSpec) -> Prescription:
    """Its author voids a prescription, with a reason: nothing more is dispensed on it.

    What was dispensed stays in the patient's ledger (a dispense is voided on its own).
    """
    _author(actor, prescription, "void_prescription", "void")
    rx = locked_prescription(prescription.pk)
    _void(actor, rx, spec.reason)
    return rx


@use_case("correct_prescription")
def correct_prescription(
    actor: User, prescription: Prescription, spec: CorrectionSpec
) -> Prescription:
    """Its author voids a prescription and writes its replacement, in one transaction.

    The new prescription `corrects` the voided one and is for the current plan; it is
    checked as any new one (what the plan needs counts the units already dispensed on the
    voided one, which are in the ledger).
    """
    patient = prescription.patient
    _author(actor, prescription, "correct_prescription", "correct")
    _check_refill_day(patient, spec)
    locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
    rx = locked_prescription(prescription.pk)
    _void(actor, rx, spec.reason)
    return _write(actor, locked, spec, corrects=rx)
