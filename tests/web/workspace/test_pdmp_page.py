"""Issue 17, items 4 and 5 on the prescriptions page: the PDMP check form, and the refusals."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.urls import reverse

from ketacare.kernel.specs import read
from ketacare.treatment import services
from ketacare.treatment.models import PdmpCheck, Prescription
from ketacare.treatment.specs.plans import PlanSpec
from tests.treatment.helpers import PLAN
from tests.web.helpers import page_text as raw_page_text

pytestmark = pytest.mark.django_db

RX_FORM: dict[str, Any] = {
    "action": "write",
    "quantity": "8",
    "refills": "0",
    "earliest_refill_on": "",
    "directions": "Hold 2 troches under the tongue for 15 minutes, with your sitter present.",
    "quantity_reason": "",
    "corrects": "",
    "reason": "",
}


def _page(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(raw_page_text(response))


@pytest.fixture
def unchecked(approved, prescriber):  # type: ignore[no-untyped-def]
    """A plan, and no state PDMP check yet."""
    services.create_plan(prescriber, approved, read(PlanSpec, PLAN))
    return reverse("ws-prescriptions", kwargs={"patient_id": approved.pk})


def test_the_prescriber_records_a_check_then_writes(unchecked, prescriber, signed_in):
    client = signed_in(prescriber)
    refused = client.post(unchecked, RX_FORM)
    assert refused.status_code == 409
    assert "record the state PDMP check first" in _page(refused)
    assert "No state PDMP check in the last 30 days" in _page(refused)
    checked = client.post(unchecked, {"action": "pdmp", "pdmp-result": "nothing_of_concern"})
    assert checked.status_code == 302
    written = client.post(unchecked, RX_FORM)
    assert written.status_code == 302
    page = _page(client.get(unchecked))
    assert "DEA AB1234563 · NPI 1234567893" in page
    assert "12 Elm Street<br>Springfield, IL 62701" in page
    assert Prescription.objects.count() == 1


def test_concerns_without_a_note_are_shown_and_nothing_is_stored(unchecked, prescriber, signed_in):
    response = signed_in(prescriber).post(
        unchecked, {"action": "pdmp", "pdmp-result": "concerns", "pdmp-note": ""}
    )
    assert response.status_code == 400
    assert "Say what the concerns are." in _page(response)
    assert not PdmpCheck.objects.exists()


def test_a_pharmacist_sees_the_latest_check_but_no_form(
    unchecked, prescriber, pharmacist, signed_in
):
    signed_in(prescriber).post(
        unchecked, {"action": "pdmp", "pdmp-result": "concerns", "pdmp-note": "Two prescribers."}
    )
    page = _page(signed_in(pharmacist).get(unchecked))
    assert "concerns (Two prescribers.)" in page
    assert "Record the PDMP check" not in page
