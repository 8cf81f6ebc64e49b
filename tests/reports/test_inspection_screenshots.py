"""The inventory, destruction record, dispensing log and prescription as PDFs, and as PNGs.

A clinic's month: lots received and verified, dispenses to three patients (one voided),
two destructions (one still waiting for its second witness). Each PDF is rendered to an
image of its first page (pypdfium2) and its text is read back: the lot numbers and the
quantities must be on it. With KETACARE_SCREENSHOTS=1 the images are written to
docs/screenshots (about 1200 px wide).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import time_machine

from ketacare.accounts.models import Clinic, User
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.pharmacy.models import MovementKind
from ketacare.reports.inspection import destructions, dispensing_log, inventory
from ketacare.reports.inspection.render import document_pdf
from ketacare.reports.prescription_form import prescription_form
from ketacare.treatment import services
from ketacare.treatment.models import Dispense, Prescription
from ketacare.treatment.specs.dispensing import VoidDispenseSpec
from tests.factories import PatientFactory, UserFactory
from tests.reports.inspection_helpers import destroyed, move, received, registered
from tests.treatment.helpers import NOW, fill, plan_for, prescribe

pytestmark = pytest.mark.django_db

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTH_PX = 1200
DAY = dt.timedelta(days=1)
MONTH = {"first": dt.date(2025, 2, 1), "last": dt.date(2025, 3, 3)}
LOT = {"lot_number": "KT2502A", "expires_on": dt.date(2026, 1, 31)}


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _named(user: User, first: str, last: str) -> User:
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def _patient(clinic: Clinic, name: str, street: str) -> Patient:
    patient: Patient = PatientFactory(
        clinic=clinic,
        legal_name=name,
        with_account=True,
        phase=Phase.APPROVED.value,
        address_line1=street,
        address_city="Portland",
        address_region="ME",
        address_postal_code="04101",
    )
    return patient


def _dispenses(clinic: Clinic, prescriber: User, pharmacist: User) -> Prescription:
    """Three patients each dispensed a fill; the third one's dispense voided."""
    rxs = []
    for name, street in (
        ("Jordan Avery", "12 Elm Street"),
        ("Morgan Blake", "48 Congress Street, Apt 3"),
        ("Riley Chen", "7 Fore Street"),
    ):
        patient = _patient(clinic, name, street)
        plan_for(prescriber, patient)
        rxs.append(prescribe(prescriber, patient))
    dispensed: list[Dispense] = [fill(pharmacist, rx, **LOT) for rx in rxs]
    services.void_dispense(
        pharmacist, dispensed[2], VoidDispenseSpec(reason="Counted twice at the counter.")
    )
    return rxs[0]


@pytest.fixture
def month(clinic: Clinic, prescriber: User, pharmacist: User) -> dict[str, Any]:
    clinic.name = "Harbor Ketamine Clinic"
    clinic.save(update_fields=["name"])
    registered(clinic)
    _named(prescriber, "Priya", "Raman")
    _named(pharmacist, "Philip", "Grant")
    witness = UserFactory(clinic=clinic, pharmacist=True, first_name="Wes", last_name="Hall")
    second = UserFactory(clinic=clinic, prescriber=True, first_name="Dana", last_name="Ortiz")
    big = received(clinic, "KT2410C", 1200, pharmacist, NOW - 28 * DAY)
    old = received(
        clinic, "KT2407B", 60, pharmacist, NOW - 27 * DAY, expires_on=dt.date(2025, 2, 28)
    )
    received(clinic, "KT2501D", 300, pharmacist, NOW - 12 * DAY, strength_mg=100)
    move(
        big, MovementKind.LOST_OR_STOLEN, -14, pharmacist, NOW - 6 * DAY, note="Dropped in the sink"
    )
    destroyed(
        old,
        40,
        pharmacist,
        (witness, second),
        at=NOW - 3 * DAY,
        confirmed=(NOW - 3 * DAY, NOW - 2 * DAY),
    )
    destroyed(old, 20, pharmacist, (witness, second), at=NOW - DAY, confirmed=(NOW - DAY, None))
    rx = _dispenses(clinic, prescriber, pharmacist)
    return {"rx": rx}


def _page_one(pdf: bytes) -> tuple[Any, str]:
    """The first page as an image about WIDTH_PX wide, and the whole document's text."""
    document = pdfium.PdfDocument(pdf)
    page = document[0]
    image = page.render(scale=WIDTH_PX / page.get_width()).to_pil()
    text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    return image, text


def _shot(pdf: bytes, name: str) -> str:
    image, text = _page_one(pdf)
    assert image.width == pytest.approx(WIDTH_PX, abs=2)
    assert image.getbbox() is not None  # something is drawn
    if os.environ.get("KETACARE_SCREENSHOTS") == "1":
        image.save(SCREENSHOTS / name)
    return text


def test_the_records_as_pdfs_and_pngs(month: dict[str, Any], pharmacist: User, prescriber: User):
    text = _shot(document_pdf(inventory.gather(pharmacist)), "inspection-inventory.png")
    for words in ("KT2410C", "1,186 troches", "KT2501D", "300 troches", "KT2502A", "FK1234563"):
        assert words in text
    assert "KT2407B" not in text  # destroyed to the last unit: nothing on hand

    text = _shot(
        document_pdf(destructions.gather(pharmacist, **MONTH)), "inspection-destruction.png"
    )
    for words in ("KT2407B", "40 troches", "20 troches", "NOT CONFIRMED"):
        assert words in text

    text = _shot(
        document_pdf(dispensing_log.gather(pharmacist, **MONTH)), "inspection-dispensing.png"
    )
    for words in ("KT2502A", "8 troches", "Jordan Avery", "VOIDED", "AB1234563"):
        assert words in text

    rx: Prescription = month["rx"]
    form = prescription_form(prescriber, rx.patient, rx.pk)
    text = _shot(document_pdf(form), "prescription-form.png")
    for words in ("AB1234563", "1234567893", "12 Elm Street", "8 troches (eight)", "Schedule III"):
        assert words in text
