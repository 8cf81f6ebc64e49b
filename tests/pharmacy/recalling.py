"""Patients who received units of a lot, as the recall tests need them.

`treated` goes through the services (plan, prescription, a dispense from the lot);
`handed` writes the stock book and the ledger directly, for tests that only need many
recipients (the query counts).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ketacare.accounts.models import Clinic, User
from ketacare.kernel.specs import read
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.pharmacy import stock
from ketacare.pharmacy.models import Lot, RecallTask
from ketacare.pharmacy.recalls import recall_lot
from ketacare.pharmacy.specs.recalls import RecallOutcomeSpec, RecallSpec
from ketacare.treatment.models import Dispense, LedgerAccount
from tests.factories import PatientFactory, SitterFactory, shelve
from tests.pharmacy.destroying import TROCHES
from tests.treatment.helpers import fill, plan_for, prescribe

LOT = "LOT-2025-01"  # the lot tests.treatment.helpers.fill dispenses from
RECALL = {"reason": "Sub-potent on the manufacturer's assay.", "reference": "FDA D-0123-2025"}
OUTCOME = "Told to stop using lot LOT-2025-01; holds 6 troches; will bring them back Monday."


def recall_spec(**changes: Any) -> RecallSpec:
    return read(RecallSpec, RECALL | changes)


def outcome(text: str = OUTCOME) -> RecallOutcomeSpec:
    return read(RecallOutcomeSpec, {"outcome": text})


def the_lot(clinic: Clinic, lot_number: str = LOT) -> Lot:
    return Lot.objects.get(clinic=clinic, lot_number=lot_number)


def treated(
    clinic: Clinic, prescriber: User, pharmacist: User, **fill_fields: Any
) -> tuple[Patient, Dispense]:
    """An approved patient with a plan and a prescription, dispensed 8 troches (from LOT)."""
    patient: Patient = PatientFactory(clinic=clinic, with_account=True, phase=Phase.APPROVED.value)
    plan_for(prescriber, patient)
    return patient, fill(pharmacist, prescribe(prescriber, patient), **fill_fields)


def handed(lot: Lot, pharmacist: User, units: int = 8, *, sitters: int = 1) -> Patient:
    """A patient of the lot's clinic who was dispensed `units` of it (book and ledger only)."""
    patient: Patient = PatientFactory(clinic=lot.clinic)
    for _ in range(sitters):
        SitterFactory(clinic=lot.clinic, patients=[patient], user=None)
    stock.draw(lot, Decimal(units), patient=patient, actor=pharmacist, note="test")
    LedgerAccount.objects.create(patient=patient, unit=lot.unit, balance=Decimal(units))
    return patient


def troches(clinic: Clinic, lot_number: str = LOT, **changes: Any) -> Lot:
    """A lot of 50 mg scored troches on the clinic's shelf (1000 units)."""
    fields = {"lot_number": lot_number, "expires_on": dt.date(2026, 1, 31)} | changes
    return shelve(TROCHES, clinic, **fields)


def recalled_task(patient: Patient, pharmacist: User, lot_number: str = "KC-RECALL-1") -> int:
    """The id of `patient`'s recall task: they received 2 units of a lot of its own, recalled."""
    lot = troches(patient.clinic, lot_number)
    stock.draw(lot, Decimal(2), patient=patient, actor=pharmacist, note="test")
    recall_lot(pharmacist, lot, recall_spec())
    return RecallTask.objects.get(lot=lot, patient=patient).pk
