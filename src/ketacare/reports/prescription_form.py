"""The printable prescription: every field 21 CFR 1306.05(a) asks of a Schedule III one.

The prescriber's name, address (the clinic's registered address), DEA number and NPI; the
patient's name, date of birth and address as they were when it was written (copied onto
the prescription); the date of issue; the drug, strength, form, quantity in figures and in
words (so a figure cannot be altered unseen), directions, refills and the earliest refill
date; "Schedule III"; and a line for the prescriber's manual signature. A voided
prescription prints VOID across it, with why. Read from the prescription alone, in a
fixed number of queries; the page records the read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from ketacare.kernel.errors import NotFound
from ketacare.patients.access import require
from ketacare.pharmacy.models import Drug, FormulationKind
from ketacare.reports.inspection.common import (
    NOT_RECORDED,
    Registrant,
    clinic_registrant,
    printed_at,
)
from ketacare.reports.inspection.common import strength as strength_words
from ketacare.reports.inspection.common import units as units_words
from ketacare.treatment.models import Prescription

if TYPE_CHECKING:
    from ketacare.accounts.models import User
    from ketacare.patients.models import Patient

USE_CASE = "read_prescriptions"
ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
THOUSAND, MILLION = 1000, 1_000_000


def in_words(number: int) -> str:
    """A whole number in English words: 120 as "one hundred twenty"."""
    if number < 20:  # noqa: PLR2004 - the words of the numbers below twenty are their own
        return ONES[number]
    if number < 100:  # noqa: PLR2004 - tens
        tens, rest = divmod(number, 10)
        return TENS[tens] + (f"-{ONES[rest]}" if rest else "")
    if number < THOUSAND:
        hundreds, rest = divmod(number, 100)
        return f"{ONES[hundreds]} hundred" + (f" {in_words(rest)}" if rest else "")
    if number < MILLION:
        thousands, rest = divmod(number, THOUSAND)
        return f"{in_words(thousands)} thousand" + (f" {in_words(rest)}" if rest else "")
    return f"{number:,}"


@dataclass(frozen=True)
class PrescriptionForm:
    template: ClassVar[str] = "reports/prescription_form.html"
    title: ClassVar[str] = "Prescription"

    registrant: Registrant
    number: int
    patient_id: int
    prescriber: str
    prescriber_dea_number: str
    prescriber_npi: str
    patient_name: str
    date_of_birth: str
    patient_address: tuple[str, ...]
    issued_on: str
    drug: str
    strength: str
    form: str
    quantity: str
    quantity_in_words: str
    directions: str
    refills: str
    earliest_refill: str
    schedule: str
    void: str  # "" or why it was voided
    printed_at: str

    @property
    def filename(self) -> str:
        return f"prescription-{self.number}.pdf"


def _address(rx: Prescription) -> tuple[str, ...]:
    lines = [line.strip() for line in rx.patient_address.splitlines() if line.strip()]
    return tuple(lines) or (NOT_RECORDED,)


def _refills(rx: Prescription) -> str:
    return "None" if rx.refills == 0 else f"{rx.refills} ({in_words(rx.refills)})"


def prescription_form(actor: User, patient: Patient, prescription_id: int) -> PrescriptionForm:
    """The printable form of one of the patient's prescriptions, for staff who may see it."""
    require(actor, patient, USE_CASE)
    rx = (
        Prescription.objects.visible_to(actor)
        .filter(patient=patient, pk=prescription_id)
        .select_related("patient", "written_by")
        .first()
    )
    if rx is None:
        msg = "No such prescription of this patient."
        raise NotFound(msg)
    reg = clinic_registrant(patient.clinic_id)
    return PrescriptionForm(
        registrant=reg,
        number=rx.pk,
        patient_id=patient.pk,
        prescriber=rx.written_by.display_name,
        prescriber_dea_number=rx.prescriber_dea_number or NOT_RECORDED,
        prescriber_npi=rx.prescriber_npi or NOT_RECORDED,
        patient_name=rx.patient.legal_name,
        date_of_birth=f"{rx.patient.date_of_birth:%Y-%m-%d}",
        patient_address=_address(rx),
        issued_on=f"{rx.written_on:%Y-%m-%d}",
        drug=Drug(rx.drug).label,
        strength=strength_words(rx),
        form=FormulationKind(rx.formulation_kind).label,
        quantity=units_words(rx, rx.quantity),
        quantity_in_words=in_words(rx.quantity),
        directions=rx.directions,
        refills=_refills(rx),
        earliest_refill=f"{rx.earliest_refill_on:%Y-%m-%d}" if rx.earliest_refill_on else "—",
        schedule=reg.law.schedule,
        void=rx.void_reason if rx.voided_at is not None else "",
        printed_at=printed_at(reg),
    )
