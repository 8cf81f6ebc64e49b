"""Who received lot X: the patients to call about a recall, and how to reach them.

For a lot of the actor's clinic (by its number or its id; another clinic's lot is not
found, as a lot that does not exist): each patient who received units of it (the net of
their dispenses and voids from it, pharmacy.queries.recalls), what they may still hold
(their ledger balance now, of any lot of the product: the ledger counts units, not
lots), their phone, e-mail and home address, their sitters' names and phones, and
their recall task's state once the lot is recalled.

A read of the `read_recalls` row: the people who make the calls. It reads a fixed
number of queries whatever the number of patients, and is audited once (the lot and the
ids of the patients listed, never a name).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.kernel import policy
from ketacare.patients.models import Patient, Sitter
from ketacare.pharmacy.models import Lot, RecallTask
from ketacare.pharmacy.queries.recalls import lot_of, recipients
from ketacare.treatment.models import LedgerAccount

if TYPE_CHECKING:
    from ketacare.accounts.models import User


@dataclass(frozen=True)
class LotRecipient:
    """One patient who received units of the lot, and how to reach them."""

    patient: Patient
    units_received: Decimal  # net of this lot: dispensed less voided
    first_dispensed_at: datetime
    last_dispensed_at: datetime
    balance: Decimal  # the ledger now: what they may hold, of any lot of the product
    balance_unit: str
    sitters: tuple[Sitter, ...]
    task: RecallTask | None  # raised when the lot is recalled

    @property
    def address(self) -> list[str]:
        return self.patient.address_lines


@dataclass(frozen=True)
class LotRecipients:
    """The lot and its recipients, by name."""

    lot: Lot
    recipients: list[LotRecipient]

    @property
    def open_tasks(self) -> int:
        return sum(1 for r in self.recipients if r.task is not None and not r.task.is_done)


def who_received(
    actor: User, *, lot_id: int | None = None, lot_number: str = "", via: str
) -> LotRecipients:
    """Who received the lot (by id, or by number), audited as `via` read it.

    NotAllowed for a role outside `read_recalls`; NotFound for a lot not of the actor's
    clinic. Queries: the lot, the stock book's sums, the patients with their ledgers,
    their sitters, the lot's tasks, and the audit entry; as many for 3 patients as 300.
    """
    policy.require_role(actor, policy.rule("read_recalls"))
    lot = lot_of(actor, lot_id=lot_id, lot_number=lot_number)
    received = recipients(lot)
    patients = {
        p.pk: p
        for p in Patient.objects.visible_to(actor)
        .filter(pk__in=[r.patient_id for r in received])
        .select_related("ledger_account")
        .prefetch_related("sitters")
    }
    tasks = {t.patient_id: t for t in RecallTask.objects.filter(lot=lot).select_related("done_by")}
    rows = [
        _row(patients[r.patient_id], r.units, r.first_dispensed_at, r.last_dispensed_at, tasks)
        for r in received
        if r.patient_id in patients
    ]
    rows.sort(key=lambda row: (row.patient.legal_name, row.patient.pk))
    _audit(actor, lot, rows, via)
    return LotRecipients(lot=lot, recipients=rows)


def _row(
    patient: Patient,
    units: Decimal,
    first: datetime,
    last: datetime,
    tasks: dict[int, RecallTask],
) -> LotRecipient:
    account: LedgerAccount | None = getattr(patient, "ledger_account", None)
    return LotRecipient(
        patient=patient,
        units_received=units,
        first_dispensed_at=first,
        last_dispensed_at=last,
        balance=account.balance if account is not None else Decimal(0),
        balance_unit=str(account.unit) if account is not None else "",
        sitters=tuple(patient.sitters.all()),
        task=tasks.get(patient.pk),
    )


def _audit(actor: User, lot: Lot, rows: list[LotRecipient], via: str) -> None:
    """One entry: the lot, and the record ids of the patients listed (never a name)."""
    record(
        Event(
            AuditAction.LIST,
            "patients.Patient",
            clinic_id=lot.clinic_id,
            detail={
                "via": via,
                "recipients_of_lot": lot.pk,
                "ids": [row.patient.pk for row in rows],
            },
        ),
        actor=actor,
    )
