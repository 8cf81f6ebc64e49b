"""Issue 17: the dispense page offers the lots that may be dispensed; returns as the law allows.

The clock: 3 March 2025, 18:00 in New York (the patient's day); the plan's product is
50 mg scored troches.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from ketacare.clinical.rules import SETTINGS
from ketacare.kernel import clock
from ketacare.patients.models import ClinicProtocol, PatientReturns
from ketacare.pharmacy.models import Lot, MovementKind, StockMovement
from ketacare.treatment import services
from ketacare.treatment.models import Dispense
from tests.factories import shelve
from tests.web.helpers import page_text

pytestmark = pytest.mark.django_db


def _page(approved) -> str:  # type: ignore[no-untyped-def]
    return reverse("ws-dispense", kwargs={"patient_id": approved.pk})


def _lot(prescription, number, **extra):  # type: ignore[no-untyped-def]
    return shelve(prescription, prescription.patient.clinic, lot_number=number, **extra)


def test_the_form_offers_the_lots_that_may_be_dispensed(
    approved, prescription, prescriber, pharmacist, signed_in
):
    _lot(prescription, "LOT-A", expires_on=dt.date(2027, 1, 31), quantity=Decimal(240))
    _lot(prescription, "LOT-OLD", expires_on=dt.date(2025, 3, 3))  # expired on the patient's day
    empty = _lot(prescription, "LOT-EMPTY")
    Lot.objects.filter(pk=empty.pk).update(on_hand=0)  # all dispensed (the book is not read)
    recalled = _lot(prescription, "LOT-RECALLED")
    Lot.objects.filter(pk=recalled.pk).update(
        recalled_at=clock.now(), recalled_by=prescriber, recall_reason="Mislabelled"
    )
    html = page_text(signed_in(pharmacist).get(_page(approved)))
    assert '<select name="lot_number"' in html
    assert '<option value="LOT-A">LOT-A, expires 31 Jan 2027, 240 troches on hand</option>' in html
    for gone in ("LOT-OLD", "LOT-EMPTY", "LOT-RECALLED"):
        assert f'value="{gone}"' not in html
    assert 'name="expires_on"' not in html  # the lot master knows it
    assert 'id="no-lot"' not in html


def test_with_no_lot_on_hand_the_page_says_so_and_links_the_stock(
    approved, prescription, pharmacist, signed_in
):
    html = page_text(signed_in(pharmacist).get(_page(approved)))
    assert 'id="no-lot"' in html
    assert "none of the clinic's lots has stock on hand" in html
    assert f'<a href="{reverse("ws-stock")}">Record a receipt on the stock page</a>' in html
    assert '<select name="lot_number"' not in html


def test_a_lot_chosen_is_drawn_from(approved, prescription, pharmacist, signed_in):
    lot = _lot(prescription, "LOT-A", quantity=Decimal(100))
    fill = {"action": "dispense", "prescription": prescription.pk, "quantity": "8"}
    response = signed_in(pharmacist).post(_page(approved), fill | {"lot_number": "LOT-A"})
    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.on_hand == 92
    assert Dispense.objects.get().lot == lot


def test_a_lot_recalled_since_the_page_was_drawn_is_refused_with_its_reason(
    approved, prescription, prescriber, pharmacist, signed_in
):
    lot = _lot(prescription, "LOT-A")
    Lot.objects.filter(pk=lot.pk).update(
        recalled_at=clock.now(), recalled_by=prescriber, recall_reason="Sub-potent assay"
    )
    fill = {"action": "dispense", "prescription": prescription.pk, "quantity": "8"}
    response = signed_in(pharmacist).post(_page(approved), fill | {"lot_number": "LOT-A"})
    assert response.status_code == 409
    assert "Lot LOT-A is recalled (Sub-potent assay)" in page_text(response)
    assert not Dispense.objects.exists()


def test_the_correction_form_offers_the_lots_and_moves_both(
    approved, prescription, stocked, pharmacist, signed_in
):
    other = _lot(prescription, "LOT-B", quantity=Decimal(50))
    client = signed_in(pharmacist)
    html = page_text(client.get(_page(approved)))
    assert '<select name="fix-lot_number"' in html
    assert '<option value="" selected>None: void it only</option>' in html
    assert "LOT-B, expires 31 Jan 2026, 50 troches on hand" in html
    fix = {
        "action": "fix",
        "fix-dispense": str(stocked.pk),
        "fix-reason": "Picked from LOT-B",
        "fix-quantity": "8",
        "fix-lot_number": "LOT-B",
    }
    assert client.post(_page(approved), fix).status_code == 302
    other.refresh_from_db()
    assert other.on_hand == 42
    back = StockMovement.objects.get(kind=MovementKind.DISPENSE_VOIDED)
    assert back.lot == stocked.lot


def test_a_return_is_refused_in_words_where_the_clinic_takes_none_back(
    approved, stocked, pharmacist, signed_in
):
    returned = {"action": "ledger", "count-kind": "returned", "count-quantity": "2"}
    response = signed_in(pharmacist).post(_page(approved), returned)
    assert response.status_code == 409
    html = page_text(response)
    assert "This clinic does not take back patients&#x27; controlled substances" in html
    assert services.ledger_balance(approved) == 8


def test_the_protocol_page_shows_and_changes_patient_returns(clinic_admin, clinician, signed_in):
    url = reverse("ws-protocol")
    html = page_text(signed_in(clinician).get(url))
    assert "Not accepted: patients use an authorised collector" in html
    client = signed_in(clinic_admin)
    assert 'name="patient_returns"' in page_text(client.get(url))
    posted = {"patient_returns": "authorised_collector", "reason": "DEA collector"}
    response = client.post(url, _settings() | posted, follow=True)
    assert response.status_code == 200
    protocol = ClinicProtocol.objects.get(is_current=True)
    assert protocol.patient_returns == PatientReturns.AUTHORISED_COLLECTOR
    html = page_text(response)
    assert 'id="protocol-patient-returns">Accepted for destruction' in html
    assert (
        "Patients&#x27; controlled substances given back: Not accepted: patients use an "
        "authorised collector to Accepted for destruction" in html
    )


def _settings() -> dict[str, str]:
    """Every setting of the protocol form at its default, as the browser posts them."""
    return {s.name: f"{s.default:g}" for s in SETTINGS}
