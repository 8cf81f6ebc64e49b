"""The controlled-substance ledger: signed events, a derived balance that never goes negative.

Every change locks the patient's account row (`select_for_update`), computes the new
balance, and writes the event and the balance in the use case's transaction. Two
requests at once queue on the lock, so the second sees the first's balance; the
CHECK constraints (balance >= 0 on the account and on every event) are the backstop.
On SQLite the lock is a no-op: SQLite runs one write transaction at a time anyway.

Lock order, kept by every use case so two of them never wait on each other:
patient -> prescription -> session -> ledger account -> audit head.
Every lock is FOR NO KEY UPDATE (`no_key=True`), never FOR UPDATE: on PostgreSQL
Django's foreign keys are checked at COMMIT with FOR KEY SHARE on the row referred to,
which FOR UPDATE blocks. A return holding the account and committing an event that
refers to the patient would wait for a dose holding the patient FOR UPDATE, which
waits for the account: a deadlock. FOR NO KEY UPDATE lets the key check through.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Sum

from ketacare.accounts.models import User
from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock, policy, usecase
from ketacare.kernel.usecase import use_case
from ketacare.patients.access import require
from ketacare.patients.models import Patient, PatientReturns
from ketacare.patients.protocol import current_protocol
from ketacare.treatment import alerting
from ketacare.treatment.errors import NoActivePlan, Overdraw, ReturnsNotAccepted
from ketacare.treatment.models import (
    DiversionFinding,
    DiversionKind,
    LedgerAccount,
    LedgerEvent,
    LedgerEventKind,
    TreatmentPlan,
)
from ketacare.treatment.specs.ledger import LedgerEventSpec

if TYPE_CHECKING:
    from collections.abc import Callable


def locked_account(patient: Patient) -> LedgerAccount:
    """The patient's account, created on first use, locked until the transaction ends."""
    # ignore_conflicts: two first writers at once both succeed, and then queue on the lock.
    LedgerAccount.objects.bulk_create([LedgerAccount(patient_id=patient.pk)], ignore_conflicts=True)
    return LedgerAccount.objects.select_for_update(no_key=True).get(patient=patient)


def post(  # noqa: PLR0913 - an event is its kind, amount, signer, witness and note
    account: LedgerAccount,
    *,
    kind: LedgerEventKind,
    change: Decimal,
    actor: User,
    witness: User | None = None,
    note: str = "",
    counted: Decimal | None = None,
) -> LedgerEvent:
    """Append one event to a locked account; Overdraw (nothing written) below zero."""
    balance = account.balance + change
    if balance < 0:
        raise Overdraw(
            f"The ledger holds {account.balance:f} {account.unit}; "
            f"{kind.label.lower()} {-change:f} would take it below zero.",
            field="quantity",
        )
    at = clock.now()
    event = LedgerEvent.objects.create(
        patient_id=account.patient_id,
        kind=kind,
        quantity=change,
        balance_after=balance,
        counted=counted,
        actor=actor,
        witness=witness,
        note=note,
        at=at,
    )
    if change:
        account.balance, account.updated_at = balance, at
        account.save(update_fields=["balance", "updated_at"])
    return event


def ledger_balance(patient: Patient) -> Decimal:
    """The expected balance, derived from the events (the account holds the same sum)."""
    total = LedgerEvent.objects.filter(patient_id=patient.pk).aggregate(total=Sum("quantity"))
    return total["total"] or Decimal(0)


# --- Recording an event by hand: one use case per kind ----------------------------------------


def record_ledger_event(actor: User, patient: Patient, spec: LedgerEventSpec) -> LedgerEvent:
    """Record units returned, destroyed, lost or stolen, disposed of by the patient, counted.

    Each kind is its own use case (its own row of kernel.policy: a coordinator counts but
    destroys nothing, a patient reports their own loss); this runs the one `spec.kind` names.
    """
    return _BY_KIND[spec.kind](actor, patient, spec)


@use_case("record_returned_units")
def record_returned_units(actor: User, patient: Patient, spec: LedgerEventSpec) -> LedgerEvent:
    """Units the patient gave back: they leave the ledger.

    Only at a clinic that is an authorised collector (its protocol's `patient_returns`,
    21 CFR 1317): elsewhere refused (ReturnsNotAccepted), as is a destruction.
    """
    return _record(actor, patient, spec, LedgerEventKind.RETURNED)


@use_case("record_destroyed_units")
def record_destroyed_units(actor: User, patient: Patient, spec: LedgerEventSpec) -> LedgerEvent:
    """Units destroyed, before a witness who may handle the substance: they leave the ledger."""
    return _record(actor, patient, spec, LedgerEventKind.DESTROYED)


@use_case("report_units_lost")
def report_units_lost(actor: User, patient: Patient, spec: LedgerEventSpec) -> LedgerEvent:
    """Units lost or stolen (the patient's report, or staff taking it): a diversion finding."""
    return _record(actor, patient, spec, LedgerEventKind.LOST_OR_STOLEN)


@use_case("record_disposed_units")
def record_disposed_units(actor: User, patient: Patient, spec: LedgerEventSpec) -> LedgerEvent:
    """Units the patient disposed of outside the clinic (a take-back, the FDA's advice).

    The way out of the ledger where the clinic takes nothing back (21 CFR 1317.30): the
    patient (or staff for them) says where or how; whatever the clinic's returns setting.
    """
    return _record(actor, patient, spec, LedgerEventKind.DISPOSED)


@use_case("record_pill_count")
def record_pill_count(actor: User, patient: Patient, spec: LedgerEventSpec) -> LedgerEvent:
    """What was counted; the expected balance stays. A count that differs is a finding."""
    return _record(actor, patient, spec, LedgerEventKind.COUNTED)


_BY_KIND: dict[LedgerEventKind, Callable[[User, Patient, LedgerEventSpec], LedgerEvent]] = {
    LedgerEventKind.RETURNED: record_returned_units,
    LedgerEventKind.DESTROYED: record_destroyed_units,
    LedgerEventKind.LOST_OR_STOLEN: report_units_lost,
    LedgerEventKind.DISPOSED: record_disposed_units,
    LedgerEventKind.COUNTED: record_pill_count,
}
_USE_CASE_OF = {kind: run.__name__ for kind, run in _BY_KIND.items()}


def _record(
    actor: User, patient: Patient, spec: LedgerEventSpec, kind: LedgerEventKind
) -> LedgerEvent:
    if spec.kind != kind:
        msg = f"a {spec.kind} event is recorded by {_USE_CASE_OF[spec.kind]}"
        raise ValueError(msg)
    require(actor, patient, _USE_CASE_OF[kind])
    if kind in _TAKEN_BACK:
        _refuse_unless_returns_accepted(patient)
    plan = _ledger_plan(patient)
    counting = kind == LedgerEventKind.COUNTED
    witness = _refuse_fields(actor, patient, spec, plan)
    account = locked_account(patient)
    event = post(
        account,
        kind=kind,
        change=Decimal(0) if counting else -spec.quantity,
        actor=actor,
        witness=witness,
        note=spec.note,
        counted=spec.quantity if counting else None,
    )
    finding = _finding(event, account.balance, spec.quantity, actor)
    if finding is not None:
        alerting.diversion_finding(patient, finding)
    usecase.note(Event.about(AuditAction.CREATE, event, detail={"kind": kind.value}))
    return event


# Units the clinic takes from the patient: a return, or their destruction at the clinic.
_TAKEN_BACK = (LedgerEventKind.RETURNED, LedgerEventKind.DESTROYED)


def _refuse_unless_returns_accepted(patient: Patient) -> None:
    """ReturnsNotAccepted unless the clinic's protocol says it is an authorised collector.

    21 CFR 1317.30 and 1317.40: only a registrant authorised as a collector may take back
    a patient's controlled substances (a practitioner's registration is not enough), so a
    clinic without a protocol, or whose protocol says not accepted, fails closed.
    """
    protocol = current_protocol(patient.clinic_id)
    if protocol is not None and protocol.patient_returns == PatientReturns.AUTHORISED_COLLECTOR:
        return
    raise ReturnsNotAccepted(
        "This clinic does not take back patients' controlled substances: under 21 CFR "
        "1317.30 only an authorised collector may. The patient takes the units to an "
        "authorised collector's take-back (a DEA take-back day, or a pharmacy's collection "
        "kiosk) or follows the FDA's advice on disposing of medicines; then record the "
        "units as disposed of by the patient, saying where or how."
    )


def _refuse_fields(
    actor: User, patient: Patient, spec: LedgerEventSpec, plan: TreatmentPlan
) -> User | None:
    """The fields the plan, the clinic and the kind judge (ValidationError); the witness."""
    refused: dict[str, str] = {}
    unit = plan.ledger_unit.label
    if spec.quantity == 0 and spec.kind != LedgerEventKind.COUNTED:
        refused["quantity"] = f"Give a number of {unit}, more than zero."
    elif spec.quantity % plan.ledger_step:
        refused["quantity"] = f"Count whole {unit} (halves of scored tablets)."
    witness = _witness(actor, patient, spec.witness_id, refused)
    if spec.kind == LedgerEventKind.DESTROYED and spec.witness_id is None:
        refused["witness"] = "Destruction of a controlled substance needs a witness."
    if spec.kind == LedgerEventKind.LOST_OR_STOLEN and not spec.note:
        refused["note"] = "Describe the loss or theft (when, where, reported to whom)."
    if spec.kind == LedgerEventKind.DISPOSED and not spec.note:
        refused["note"] = "Say where or how (a take-back day, a pharmacy's kiosk, FDA advice)."
    if refused:
        raise ValidationError(refused)
    return witness


def _witness(
    actor: User, patient: Patient, witness_id: int | None, refused: dict[str, str]
) -> User | None:
    """The witness: another person of the clinic who may handle the substance."""
    if witness_id is None:
        return None
    handlers = policy.rule("record_destroyed_units").staff
    witness = User.objects.filter(pk=witness_id, clinic_id=patient.clinic_id).first()
    if witness_id == actor.pk:
        refused["witness"] = "The witness is someone other than the person recording."
    elif witness is None or not {str(r) for r in witness.roles} & handlers:
        refused["witness"] = f"The witness is a {policy.words(handlers)} of this clinic."
    return witness


def _ledger_plan(patient: Patient) -> TreatmentPlan:
    """The current plan: it names the product, and so the unit, the ledger counts."""
    plan = TreatmentPlan.objects.filter(patient_id=patient.pk, is_current=True).first()
    if plan is None:
        raise NoActivePlan("The patient has no treatment plan, so no ledger.")
    return plan


def _finding(
    event: LedgerEvent, expected: Decimal, amount: Decimal, actor: User
) -> DiversionFinding | None:
    if event.kind == LedgerEventKind.COUNTED and amount != expected:
        return DiversionFinding.objects.create(
            patient_id=event.patient_id,
            kind=DiversionKind.COUNT_MISMATCH,
            expected=expected,
            counted=amount,
            ledger_event=event,
            recorded_by=actor,
            note=f"Counted {amount:f}, expected {expected:f}.",
        )
    if event.kind == LedgerEventKind.LOST_OR_STOLEN:
        return DiversionFinding.objects.create(
            patient_id=event.patient_id,
            kind=DiversionKind.LOST_OR_STOLEN,
            quantity=amount,
            ledger_event=event,
            recorded_by=actor,
            note=event.note,
        )
    return None
