"""Your record: the patient reads, prints and takes away their own record, and only theirs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.interop.exports.own_record import own_record
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.patients.models import Patient
from tests.factories import PatientFactory, ScoreFactory
from tests.interop.exports.helpers import EVENT_TEXT, treated
from tests.web.helpers import page_text

PAGE, PDF, FHIR = "/portal/record/", "/portal/record/pdf/", "/portal/record/fhir/"


@pytest.fixture
def pat(clock: Any, clinic: Clinic, prescriber: User, pharmacist: User) -> Patient:
    return treated(clock, clinic, prescriber, pharmacist, legal_name="Pat Ownrecord")


def _entries(patient: Patient) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(patient_id=patient.pk, detail__via="portal own record"))


def test_the_page_in_the_patients_words_and_zone(client: Client, pat: Patient) -> None:
    client.force_login(pat.user)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = page_text(response)
    assert f'href="{PAGE}"' in html  # "Your record" in the navigation
    assert "Pat Ownrecord" in html
    assert "15 June 1985" in html
    # The dose at 23:00 UTC is 18:00 on the patient's New York clock.
    assert "3 March 2025, 18:00" in html
    assert "100 mg" in html
    assert "PHQ-9" in html
    assert "9 out of 27" in html
    assert EVENT_TEXT in html
    assert "<svg" in html  # the score chart
    for word in ("UTC", "legal_name", "dose_mg", "taken_at", "patient_id"):
        assert word not in html
    [entry] = _entries(pat)
    assert (entry.action, entry.detail["format"]) == (AuditAction.READ, "page")


def test_the_printable_copy(client: Client, pat: Patient) -> None:
    client.force_login(pat.user)
    response = client.get(PDF)
    if response.status_code == 503:  # pragma: no cover - a machine without Pango
        assert "use your browser's Print" in response.content.decode()
        return
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    [entry] = _entries(pat)
    assert (entry.action, entry.detail["format"]) == (AuditAction.EXPORT, "pdf")


def test_the_computer_readable_copy(client: Client, pat: Patient) -> None:
    client.force_login(pat.user)
    response = client.get(FHIR)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    bundle = json.loads(response.content)
    assert bundle["resourceType"] == "Bundle"
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert "Patient" in kinds
    assert len(_entries(pat)) == 1


def test_another_patient_sees_only_their_own(client: Client, pat: Patient, clinic: Clinic) -> None:
    other = PatientFactory(clinic=clinic, with_account=True, legal_name="Olive Other")
    client.force_login(other.user)
    html = page_text(client.get(PAGE))
    assert "Olive Other" in html
    assert "Pat Ownrecord" not in html
    bundle = json.loads(client.get(FHIR).content)
    assert {
        e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    } == {str(other.pk)}
    assert _entries(pat) == []


def test_another_patients_record_is_not_found(pat: Patient, clinic: Clinic) -> None:
    other = PatientFactory(clinic=clinic, with_account=True)
    with pytest.raises(NotFound):
        own_record(other.user, pat)
    assert _entries(pat) == []


def test_staff_may_not_use_the_patients_download(pat: Patient, clinic_admin: User) -> None:
    with pytest.raises(NotAllowed):
        own_record(clinic_admin, pat)


@pytest.mark.parametrize("url", [PAGE, PDF, FHIR])
def test_staff_and_sitters_get_404(
    client: Client, pat: Patient, clinician: User, clinic_admin: User, url: str
) -> None:
    for user in (clinician, clinic_admin, pat.sitters.get().user):
        client.force_login(user)
        assert client.get(url).status_code == 404
    assert _entries(pat) == []


def test_signed_out_goes_to_sign_in(client: Client) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_band_is_named_in_words(client: Client, pat: Patient) -> None:
    ScoreFactory(patient=pat, total=17, band="moderately_severe", submitted_by=pat.user)
    client.force_login(pat.user)
    html = page_text(client.get(PAGE))
    assert "17 out of 27 (moderately severe)" in html
    assert "moderately_severe" not in html
