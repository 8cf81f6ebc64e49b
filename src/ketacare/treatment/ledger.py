"""The controlled-substance ledger: signed events, a derived balance that never goes negative.

Every change locks the patient's account row (`select_for_update`), computes the new
balance, and writes the event and the balance in the caller's transaction. Two
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

from django.db import transaction
from django.db.models import Sum

from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock
from ketacare.patients.models import Patient
from ketacare.treatment import alerting
from ketacare.treatment.access import COUNTERS, HANDLERS, require
from ketacare.treatment.errors import NoActivePlan, Overdraw
from ketacare.treatment.models import (
    LEDGER_PLACES,
    DiversionFinding,
    DiversionKind,
    LedgerAccount,
    LedgerEvent,
    LedgerEventKind,
    TreatmentPlan,
)
from ketacare.treatment.parsing import Errors, as_choice, as_decimal, as_text

if TYPE_CHECKING:
    from ketacare.accounts.models import User

# The kinds `record_ledger_event` records; dispensed and taken come with their use case.
RECORDED_HERE = (
    LedgerEventKind.RETURNED,
    LedgerEventKind.DESTROYED,
    LedgerEventKind.LOST_OR_STOLEN,
    LedgerEventKind.COUNTED,
)
_WHO = {
    LedgerEventKind.RETURNED: (HANDLERS, False, "record returned units"),
    LedgerEventKind.DESTROYED: (HANDLERS, False, "record destroyed units"),
    # The patient reports their own loss; staff may take the report.
    LedgerEventKind.LOST_OR_STOLEN: (COUNTERS, True, "report units lost or stolen"),
    LedgerEventKind.COUNTED: (COUNTERS, False, "record a pill count"),
}


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


def _witness(actor: User, patient: Patient, witness: User | None, errors: Errors) -> None:
    if witness is None:
        return
    if witness.pk == actor.pk:
        errors.add("witness", "The witness is someone other than the person recording.")
    elif witness.clinic_id != patient.clinic_id or not witness.roles & HANDLERS:
        errors.add("witness", f"The witness is a {', '.join(sorted(HANDLERS))} of this clinic.")


def record_ledger_event(  # noqa: PLR0913 - the kind, quantity, witness and note of one event
    actor: User,
    patient: Patient,
    *,
    kind: str,
    quantity: Decimal | float | str,
    witness: User | None = None,
    note: str = "",
) -> LedgerEvent:
    """Record units returned, destroyed (witnessed), lost or stolen (a report), or counted.

    A loss and a count that differs from the expected balance are diversion findings.
    A count records what was counted and leaves the expected balance as it is.
    """
    chosen = _kind_recorded_here(kind)
    staff, own, what = _WHO[chosen]
    require(actor, patient, staff, what, own=own)
    plan = _ledger_plan(patient)
    counting = chosen == LedgerEventKind.COUNTED
    errors = Errors()
    amount = _amount(quantity, plan, errors, counting=counting)
    if chosen == LedgerEventKind.DESTROYED and witness is None:
        errors.add("witness", "Destruction of a controlled substance needs a witness.")
    _witness(actor, patient, witness, errors)
    report = _report(note, chosen, errors)
    errors.raise_if_any()
    assert amount is not None  # noqa: S101 - refused above
    with transaction.atomic():
        account = locked_account(patient)
        event = post(
            account,
            kind=chosen,
            change=Decimal(0) if counting else -amount,
            actor=actor,
            witness=witness,
            note=report,
            counted=amount if counting else None,
        )
        finding = _finding(event, account.balance, amount, actor)
        if finding is not None:
            alerting.diversion_finding(patient, finding)
        record(Event.about(AuditAction.CREATE, event, detail={"kind": chosen.value}), actor=actor)
    return event


def _kind_recorded_here(kind: object) -> LedgerEventKind:
    """The kind, one of RECORDED_HERE (refused otherwise: the other kinds have their use case)."""
    errors = Errors()
    chosen = as_choice(kind, LedgerEventKind, "kind", errors)
    if chosen is not None and chosen not in RECORDED_HERE:
        errors.add(
            "kind",
            "Units dispensed are recorded by dispensing a prescription (and taken back by "
            "voiding the dispense), doses taken by recording the dose of a session.",
        )
    errors.raise_if_any()
    assert chosen is not None  # noqa: S101 - refused above
    return chosen


def _ledger_plan(patient: Patient) -> TreatmentPlan:
    """The current plan: it names the product, and so the unit, the ledger counts."""
    plan = TreatmentPlan.objects.filter(patient_id=patient.pk, is_current=True).first()
    if plan is None:
        raise NoActivePlan("The patient has no treatment plan, so no ledger.")
    return plan


def _amount(
    quantity: object, plan: TreatmentPlan, errors: Errors, *, counting: bool
) -> Decimal | None:
    """The units, in steps the plan's product is counted in (a count may be zero)."""
    amount = as_decimal(
        quantity,
        "quantity",
        errors,
        places=LEDGER_PLACES,
        unit=plan.ledger_unit.label,
        zero_allowed=counting,
    )
    if amount is not None and amount % plan.ledger_step:
        errors.add("quantity", f"Count whole {plan.ledger_unit.label} (halves of scored tablets).")
    return amount


def _report(note: object, kind: LedgerEventKind, errors: Errors) -> str:
    """The event's note: required for a loss or theft (when, where, reported to whom)."""
    return as_text(
        note,
        "note",
        errors,
        max_length=4000,
        required="Describe the loss or theft (when, where, reported to whom)."
        if kind == LedgerEventKind.LOST_OR_STOLEN
        else "",
    )


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
