"""The controlled-substance ledger: a patient's account and its signed events."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ketacare.kernel.clock import now
from ketacare.patients.models import Patient
from ketacare.patients.scoping import ScopedQuerySet
from ketacare.pharmacy.models.product import LedgerUnit
from ketacare.treatment.models.base import LEDGER_MAX_DIGITS, LEDGER_PLACES, known


class LedgerAccount(models.Model):
    """A patient's controlled-substance balance: the sum of their ledger events."""

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="ledger_account")
    unit = models.CharField(max_length=8, choices=LedgerUnit.choices, default=LedgerUnit.TABLETS)
    balance = models.DecimalField(
        max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES, default=Decimal(0)
    )
    updated_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="ledger_balance_never_negative"
            ),
            known("unit", LedgerUnit, "ledger_unit_known"),
        ]

    def __str__(self) -> str:
        return f"Ledger of patient {self.patient_id}: {self.balance} {self.unit}"


class LedgerEventKind(models.TextChoices):
    DISPENSED = "dispensed", "Dispensed"
    # A voided dispense takes its units back out (the patient never held them).
    DISPENSE_REVERSED = "dispense_reversed", "Dispense voided"
    TAKEN = "taken", "Taken"
    RETURNED = "returned", "Returned"
    DESTROYED = "destroyed", "Destroyed (witnessed)"
    LOST_OR_STOLEN = "lost_or_stolen", "Lost or stolen"
    # Where the clinic takes nothing back (21 CFR 1317): the patient took the units to an
    # authorised collector's take-back, or disposed of them as the FDA advises.
    DISPOSED = "disposed", "Disposed of by the patient (take-back)"
    COUNTED = "counted", "Counted"


OUTGOING_KINDS = (
    LedgerEventKind.DISPENSE_REVERSED,
    LedgerEventKind.TAKEN,
    LedgerEventKind.RETURNED,
    LedgerEventKind.DESTROYED,
    LedgerEventKind.LOST_OR_STOLEN,
    LedgerEventKind.DISPOSED,
)


class LedgerEvent(models.Model):
    """One signed change of a patient's balance. Append-only (a trigger on PostgreSQL).

    `quantity` is signed: + dispensed; - dispense reversed (a voided dispense), taken,
    returned, destroyed, lost or stolen, disposed of by the patient;
    0 for a count, whose result is in `counted` (a count does not change the expected
    balance; a difference is a diversion finding).
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="ledger_events")
    kind = models.CharField(max_length=24, choices=LedgerEventKind.choices)
    quantity = models.DecimalField(max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES)
    balance_after = models.DecimalField(max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES)
    counted = models.DecimalField(
        max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES, null=True, blank=True
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["patient", "at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="ledger_event_balance_never_negative"
            ),
            models.CheckConstraint(
                condition=Q(kind=LedgerEventKind.DISPENSED, quantity__gt=0)
                | Q(kind__in=OUTGOING_KINDS, quantity__lt=0)
                | Q(
                    kind=LedgerEventKind.COUNTED, quantity=0, counted__isnull=False, counted__gte=0
                ),
                name="ledger_event_sign_follows_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind=LedgerEventKind.COUNTED) | Q(counted__isnull=True),
                name="ledger_event_counted_only_on_counts",
            ),
            models.CheckConstraint(
                condition=~Q(kind=LedgerEventKind.DESTROYED) | Q(witness__isnull=False),
                name="ledger_destruction_witnessed",
            ),
            models.CheckConstraint(
                condition=~Q(witness=F("actor")), name="ledger_witness_not_actor"
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["patient", "kind", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+} (balance {self.balance_after})"
