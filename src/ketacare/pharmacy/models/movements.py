"""The clinic's stock book: every signed change of a lot's stock on hand.

Append-only (a trigger on PostgreSQL refuses UPDATE and DELETE). `quantity` is signed:
+ received (after a second person verified the receipt), dispense voided (the units
come back from the patient's ledger); - dispensed to a patient, transferred to another
registrant, returned to the supplier, destroyed (witnessed), lost or stolen.
`on_hand_after` is the lot's stock after the movement.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketacare.accounts.models import Clinic
from ketacare.kernel.clock import now
from ketacare.patients.models import Patient
from ketacare.pharmacy.models.base import LEDGER_MAX_DIGITS, LEDGER_PLACES, known
from ketacare.pharmacy.models.lots import Lot
from ketacare.pharmacy.models.scoping import ClinicStockQuerySet


class MovementKind(models.TextChoices):
    RECEIVED = "received", "Received"
    DISPENSED = "dispensed", "Dispensed to a patient"
    DISPENSE_VOIDED = "dispense_voided", "Dispense voided (back on the shelf)"
    TRANSFERRED = "transferred", "Transferred to another registrant"
    RETURNED_TO_SUPPLIER = "returned_to_supplier", "Returned to the supplier"
    DESTROYED = "destroyed", "Destroyed (witnessed)"
    LOST_OR_STOLEN = "lost_or_stolen", "Lost or stolen"


INCOMING = (MovementKind.RECEIVED, MovementKind.DISPENSE_VOIDED)
OUTGOING = (
    MovementKind.DISPENSED,
    MovementKind.TRANSFERRED,
    MovementKind.RETURNED_TO_SUPPLIER,
    MovementKind.DESTROYED,
    MovementKind.LOST_OR_STOLEN,
)
# The movements that cross to and from patients' ledgers (the book's consistency check).
PATIENT_KINDS = (MovementKind.DISPENSED, MovementKind.DISPENSE_VOIDED)


class StockMovement(models.Model):
    """One signed change of one lot's stock on hand."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=24, choices=MovementKind.choices)
    quantity = models.DecimalField(max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES)
    on_hand_after = models.DecimalField(max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES)
    # The patient, for a dispense and its void: "who received lot X" reads these.
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="stock_movements"
    )
    # The other party, for a receipt, a transfer or a return: its name and DEA number.
    counterparty = models.CharField(max_length=200, blank=True)
    counterparty_dea_number = models.CharField(max_length=9, blank=True)
    reference = models.CharField(
        max_length=100, blank=True, help_text="Invoice, return authorisation or report number."
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=now)

    objects = ClinicStockQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["lot", "at", "pk"]
        indexes: ClassVar = [
            models.Index(fields=["clinic", "kind", "at"]),
            models.Index(fields=["lot", "patient"]),
        ]
        constraints: ClassVar = [
            known("kind", MovementKind, "stock_movement_kind_known"),
            models.CheckConstraint(
                condition=Q(on_hand_after__gte=0), name="stock_movement_on_hand_never_negative"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=INCOMING, quantity__gt=0)
                | Q(kind__in=OUTGOING, quantity__lt=0),
                name="stock_movement_sign_follows_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=PATIENT_KINDS, patient__isnull=False)
                | (~Q(kind__in=PATIENT_KINDS) & Q(patient__isnull=True)),
                name="stock_movement_patient_iff_dispense",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+} (lot {self.lot_id})"
