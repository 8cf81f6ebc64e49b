"""Staged dispensing on the pharmacy queue: a held fill with its reasons, and its release."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ketacare.alerts.services import raise_alert
from ketacare.audit.models import AuditEntry
from ketacare.patients.models import Patient
from ketacare.treatment.models import Dispense, FillRelease, Prescription
from tests.factories import PdmpCheckFactory
from tests.treatment.helpers import fill, prescribe
from tests.web.helpers import page_text
from tests.web.workspace.test_queries import queries, treated

NOTE = {"note": "Seen by video today; the alert is in hand."}


def _urgent(patient: Patient) -> None:
    raise_alert(
        patient=patient,
        cause="adverse_event",
        severity="urgent",
        subject="test:1",
        title="Adverse event reported",
        message="",
    )


@pytest.fixture
def held(prescriber, approved, plan) -> Prescription:  # type: ignore[no-untyped-def]
    """A prescription whose first fill is held: an urgent alert about the patient is open."""
    PdmpCheckFactory(patient=approved, checked_by=prescriber)
    rx = prescribe(prescriber, approved)
    _urgent(approved)
    return rx


def _release_url(rx: Prescription) -> str:
    return reverse(
        "ws-release-hold", kwargs={"patient_id": rx.patient_id, "prescription_id": rx.pk}
    )


def test_the_queue_shows_the_held_fill_and_its_reason(held, pharmacist, signed_in):
    html = page_text(signed_in(pharmacist).get(reverse("ws-pharmacy")))
    assert '<span class="badge caution">Held</span> 1 urgent alert is open.' in html
    assert "A prescriber can release the fill with a note." in html
    assert "Release fill" not in html  # the pharmacist sees no release form


def test_a_prescriber_releases_it_with_a_note_then_it_is_dispensed(
    held, prescriber, pharmacist, signed_in
):
    client = signed_in(prescriber)
    assert f"Release fill of Rx {held.pk}" in page_text(client.get(reverse("ws-pharmacy")))
    response = client.post(_release_url(held), NOTE, follow=True)
    assert "Fill 1 of Rx" in page_text(response)
    assert FillRelease.objects.get().note == NOTE["note"]
    assert AuditEntry.objects.filter(object_type="treatment.FillRelease").exists()
    assert fill(pharmacist, held).fill_number == 1


def test_a_release_without_a_note_is_refused(held, prescriber, signed_in):
    response = signed_in(prescriber).post(_release_url(held), {"note": " "}, follow=True)
    assert "not released" in page_text(response)
    assert not FillRelease.objects.exists()


@pytest.mark.parametrize("role", ["pharmacist", "clinician"])
def test_only_a_prescriber_releases(request, held, role, signed_in):
    response = signed_in(request.getfixturevalue(role)).post(_release_url(held), NOTE)
    assert response.status_code == 403
    assert not FillRelease.objects.exists()


def test_another_clinics_prescriber_finds_nothing(held, other_prescriber, signed_in):
    assert signed_in(other_prescriber).post(_release_url(held), NOTE).status_code == 404
    assert not FillRelease.objects.exists()
    assert not Dispense.objects.exists()


def test_held_fills_keep_the_queue_bounded(clinic, prescriber, pharmacist, signed_in):
    _urgent(treated(clinic, prescriber, pharmacist))
    client = signed_in(pharmacist)
    one = queries(client, reverse("ws-pharmacy"))
    for _ in range(3):
        _urgent(treated(clinic, prescriber, pharmacist))
    assert queries(client, reverse("ws-pharmacy")) == one
