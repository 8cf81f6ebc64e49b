"""The dispensing log for a date range: every dispense to a patient, voids shown as voided.

21 CFR 1304.22(c): for each controlled substance dispensed, the number of units, the date,
the name and address of the person it was dispensed to, and who dispensed it; with the
prescription it filled (its number, its prescriber and their DEA number). Dates are the
clinic's calendar. A dispense voided later stays on the log, marked voided with when,
by whom and why: the log is the book, not the book after corrections.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from ketacare.reports.inspection.common import (
    NOT_RECORDED,
    Registrant,
    printed_at,
    registrant,
    strength_and_form,
    units,
)
from ketacare.treatment.models import Dispense

if TYPE_CHECKING:
    from ketacare.accounts.models import User


@dataclass(frozen=True)
class DispenseLine:
    number: int
    dispensed_at: str
    patient_id: int
    patient_name: str
    patient_address: tuple[str, ...]
    product: str
    strength_and_form: str
    quantity: str
    lot_number: str
    prescription: str
    prescriber: str
    prescriber_dea_number: str
    pharmacist: str
    voided: str  # "" or "VOIDED 2025-03-04 09:00 by ...: why"


@dataclass(frozen=True)
class DispensingLog:
    template: ClassVar[str] = "reports/inspection/_dispensing.html"
    title: ClassVar[str] = "Dispensing log"
    what: ClassVar[str] = "dispensing"

    registrant: Registrant
    first: date
    last: date
    lines: tuple[DispenseLine, ...]
    printed_at: str

    @property
    def period(self) -> str:
        return f"{self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}"

    @property
    def filename(self) -> str:
        return f"dispensing-log-{self.first:%Y-%m-%d}-to-{self.last:%Y-%m-%d}.pdf"

    @property
    def audit_detail(self) -> dict[str, object]:
        # Patients' names are on the log: the entry names whose records were read.
        return {
            "period": self.period,
            "ids": [line.number for line in self.lines],
            "patient_ids": sorted({line.patient_id for line in self.lines}),
        }


def _address(d: Dispense) -> tuple[str, ...]:
    """The address on the prescription (as written, 21 CFR 1306.05(a)), else the record's."""
    written = [line.strip() for line in d.prescription.patient_address.splitlines()]
    lines = [line for line in written if line] or d.patient.address_lines
    return tuple(lines) or (NOT_RECORDED,)


def _voided(reg: Registrant, d: Dispense) -> str:
    if d.voided_at is None or d.voided_by is None:
        return ""
    return f"VOIDED {reg.at(d.voided_at)} by {d.voided_by.display_name}: {d.void_reason}"


def _line(reg: Registrant, d: Dispense) -> DispenseLine:
    rx = d.prescription
    return DispenseLine(
        number=d.pk,
        dispensed_at=reg.at(d.dispensed_at),
        patient_id=d.patient_id,
        patient_name=d.patient.legal_name,
        patient_address=_address(d),
        product=rx.product,
        strength_and_form=strength_and_form(rx),
        quantity=units(rx, d.quantity),
        lot_number=d.lot_number,
        prescription=f"Rx {rx.pk}",
        prescriber=rx.written_by.display_name,
        prescriber_dea_number=rx.prescriber_dea_number or NOT_RECORDED,
        pharmacist=d.dispensed_by.display_name,
        voided=_voided(reg, d),
    )


def gather(actor: User, *, first: date, last: date) -> DispensingLog:
    """Every dispense of the actor's clinic from `first` to `last` (the clinic's days)."""
    reg = registrant(actor)
    start, end = reg.day_bounds(first, last)
    rows = (
        Dispense.objects.visible_to(actor)
        .filter(patient__clinic_id=reg.clinic_id, dispensed_at__gte=start, dispensed_at__lt=end)
        .select_related(
            "patient", "prescription", "prescription__written_by", "dispensed_by", "voided_by"
        )
        .order_by("dispensed_at", "pk")
    )
    return DispensingLog(
        registrant=reg,
        first=first,
        last=last,
        lines=tuple(_line(reg, d) for d in rows),
        printed_at=printed_at(reg),
    )
