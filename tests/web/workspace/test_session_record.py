"""The session record page and its PDF: staff of the clinic see it; nobody else does.

Alice (clinician) and Bob (colleague) of clinic A open it; Charlie of clinic B, another
patient and the patient's sitter are refused, and nothing is audited as a read of the
record for them.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.patients.phases import Phase
from ketacare.reports import pdf
from ketacare.treatment.models import DosingSession
from tests.reports.session_record_helpers import bare_session, full_session
from tests.web.workspace.conftest import make_patient

pytestmark = pytest.mark.django_db

NAMES = ("ws-session-record", "ws-session-record-pdf")


@pytest.fixture
def session(clinic: Clinic, clinician: User, prescriber: User, pharmacist: User) -> DosingSession:
    return full_session(clinic, clinician, prescriber, pharmacist)


def url(session: DosingSession, name: str = "ws-session-record") -> str:
    return reverse(name, kwargs={"patient_id": session.patient_id, "session_id": session.pk})


def record_reads(session: DosingSession) -> int:
    return AuditEntry.objects.filter(
        patient_id=session.patient_id, action=AuditAction.READ, detail__via="session record"
    ).count()


def test_the_page_shows_the_record(alice_client: Client, clinician: User, session: DosingSession):
    response = alice_client.get(url(session))
    assert response.status_code == 200
    html = response.content.decode()
    for words in (
        "Jo Journey",
        session.patient.record_number,
        "Times are in America/New_York",
        "LOT-2025-01",
        "150/95 mmHg",
        "131/84 mmHg",
        "Sid Sitter confirmed alert and stable",
        "3 of 24",
        "Feeling sick (nausea)",
        "Felt faint for a minute.",
        f"Acknowledged by {clinician.display_name}",
    ):
        assert words in html, words
    assert url(session, "ws-session-record-pdf") in html
    assert "UTC" not in html
    assert record_reads(session) == 1


def test_the_pdf_is_inline_and_named_by_the_date(alice_client: Client, session: DosingSession):
    response = alice_client.get(url(session, "ws-session-record-pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="session-record-2025-03-01.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert record_reads(session) == 1


def test_without_pango_the_pdf_says_what_to_install(
    alice_client: Client, session: DosingSession, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(pdf, "weasyprint", None)
    response = alice_client.get(url(session, "ws-session-record-pdf"))
    assert response.status_code == 503
    assert "libpango-1.0-0 libpangoft2-1.0-0" in response.content.decode()


def test_a_session_with_nothing_after_the_checklist(
    alice_client: Client, clinic: Clinic, prescriber: User
):
    patient = make_patient(clinic, "Bo Bare", with_account=True, phase=Phase.APPROVED.value)
    session = bare_session(prescriber, patient)
    html = alice_client.get(url(session)).content.decode()
    assert html.count("Not recorded") >= 5
    assert alice_client.get(url(session, "ws-session-record-pdf")).status_code == 200


def test_the_chart_links_each_session_to_its_record(alice_client: Client, session: DosingSession):
    chart = reverse("ws-chart", kwargs={"patient_id": session.patient_id})
    html = alice_client.get(chart).content.decode()
    assert f'href="{url(session)}">Session record</a>' in html


@pytest.mark.parametrize("name", NAMES)
def test_a_colleague_sees_it(client: Client, colleague: User, session: DosingSession, name: str):
    client.force_login(colleague)
    assert client.get(url(session, name)).status_code == 200


@pytest.mark.parametrize("name", NAMES)
def test_another_clinics_staff_get_404(
    client: Client, outsider: User, session: DosingSession, name: str
):
    client.force_login(outsider)
    assert client.get(url(session, name)).status_code == 404
    assert record_reads(session) == 0
    assert not AuditEntry.objects.filter(patient_id=session.patient_id, actor_id=outsider.pk)


@pytest.mark.parametrize("name", NAMES)
def test_another_patient_is_refused(
    client: Client, clinic: Clinic, session: DosingSession, name: str
):
    other = make_patient(clinic, "Olly Other", with_account=True)
    client.force_login(other.user)
    assert client.get(url(session, name)).status_code == 403  # the workspace is for staff
    assert record_reads(session) == 0


@pytest.mark.parametrize("name", NAMES)
def test_the_sitter_is_refused(client: Client, session: DosingSession, name: str):
    sitter = session.released_by_sitter
    assert sitter is not None
    client.force_login(sitter.user)
    assert client.get(url(session, name)).status_code == 403  # the workspace is for staff
    assert record_reads(session) == 0


@pytest.mark.parametrize("name", NAMES)
def test_another_patients_session_under_this_patient_is_404(
    alice_client: Client, clinic: Clinic, session: DosingSession, name: str
):
    other = make_patient(clinic, "Olly Other", with_account=True)
    wrong = reverse(name, kwargs={"patient_id": other.pk, "session_id": session.pk})
    assert alice_client.get(wrong).status_code == 404
    assert record_reads(session) == 0


def test_signed_out_goes_to_sign_in(client: Client, session: DosingSession):
    response = client.get(url(session))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# --- The patient's own, from the portal ------------------------------------------------

PORTAL_NAMES = ("portal-session-record", "portal-session-record-pdf")


def portal_url(session: DosingSession, name: str = "portal-session-record") -> str:
    return reverse(name, kwargs={"session_id": session.pk})


def test_the_patient_opens_their_own_from_their_sessions(client: Client, session: DosingSession):
    assert session.patient.user is not None
    client.force_login(session.patient.user)
    sessions = client.get(reverse("portal-sessions")).content.decode()
    assert f'href="{portal_url(session)}"' in sessions
    html = client.get(portal_url(session)).content.decode()
    assert "Jo Journey" in html
    # The patient reads times on their own clock, not a zone's name.
    assert "Times are on your own clock." in html
    assert "America/New_York" not in html
    assert "Acknowledged by" not in html  # the clinic's alerts are for staff
    pdf_answer = client.get(portal_url(session, "portal-session-record-pdf"))
    assert pdf_answer.content.startswith(b"%PDF-")
    assert record_reads(session) == 2


@pytest.mark.parametrize("name", PORTAL_NAMES)
def test_in_the_portal_nobody_else_sees_it(
    client: Client, clinic: Clinic, clinician: User, session: DosingSession, name: str
):
    other = make_patient(clinic, "Olly Other", with_account=True)
    sitter = session.released_by_sitter
    assert sitter is not None
    for person in (other.user, sitter.user, clinician):
        client.force_login(person)
        assert client.get(portal_url(session, name)).status_code == 404
    assert record_reads(session) == 0
