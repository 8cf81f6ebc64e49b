"""The pages themselves: sign-in, health check, static files, landing, audit, paging."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Role
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.patients.models import Patient, PhaseChange, Sitter
from ketacare.patients.phases import Phase
from ketacare.web.workspace.panel_page import PAGE_SIZE
from tests.factories import (
    ConsentDocumentFactory,
    ConsentFactory,
    PatientFactory,
    SitterFactory,
    UserFactory,
)
from tests.web.helpers import audit, page_text

# --- Signing in and out -----------------------------------------------------------


def test_the_sign_in_page_has_labelled_inputs(client: Client) -> None:
    response = client.get("/login/")
    assert response.status_code == 200
    html = page_text(response)
    assert '<label for="id_username">Username' in html
    assert '<label for="id_password">Password' in html
    assert re.search(r'<input type="text" name="username"[^>]*id="id_username"', html)
    assert re.search(r'<input type="password" name="password"[^>]*id="id_password"', html)
    assert 'name="csrfmiddlewaretoken"' in html
    assert "call your local emergency number" in html  # crisis line before sign-in, too
    assert 'lang="en"' in html


def test_signing_out(client: Client, clinician: User) -> None:
    client.force_login(clinician)
    assert client.get("/logout/").status_code == 405  # only a POST signs out
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/workspace/").status_code == 302
    [entry] = audit(action=AuditAction.LOGOUT)
    assert entry.actor_id == clinician.pk


# --- Health check and static files ------------------------------------------------------


def test_healthz(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "ok"}
    assert not AuditEntry.objects.exists()  # no health data, nothing to audit


def test_healthz_only_answers_get(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


def test_the_stylesheet_every_page_links_is_served(client: Client) -> None:
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', page_text(client.get("/login/")))
    assert href
    assert href.group(1) == "/static/ketacare/site.css"
    response = client.get(href.group(1))
    try:
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/css")
        body = b"".join(response.streaming_content).decode()
    finally:
        response.close()
    assert ":root" in body
    assert ".field-error" in body


def test_pages_carry_the_security_headers(client: Client) -> None:
    response = client.get("/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


# --- Where each role lands ------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "landing"),
    [
        ("clinician", "/workspace/"),
        ("coordinator", "/workspace/"),
        ("clinic_admin", "/workspace/"),
        ("prescriber", "/workspace/"),
        ("pharmacist", "/workspace/pharmacy/"),
        ("superuser", "/workspace/"),
    ],
)
def test_staff_land_on_the_panel_and_pharmacists_on_their_queue(
    request: pytest.FixtureRequest, client: Client, who: str, landing: str
) -> None:
    client.force_login(request.getfixturevalue(who))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == landing
    assert client.get(landing).status_code == 200


def test_a_patient_lands_on_their_portal(client: Client, patient: Patient) -> None:
    client.force_login(patient.user)
    response = client.get("/")
    assert response["Location"] == "/portal/"
    page = page_text(client.get("/portal/"))
    assert 'href="/portal/progress/"' in page  # the patient's navigation
    assert 'href="/workspace/"' not in page  # no staff navigation
    assert patient.legal_name in page
    assert 'href="/workspace/"' not in page  # no staff navigation
    assert 'href="/admin/"' not in page


def test_a_sitter_lands_on_the_people_they_sit_for(client: Client, sitter: Sitter) -> None:
    client.force_login(sitter.user)
    response = client.get("/")
    assert response["Location"] == "/portal/sitter/"
    assert client.get("/portal/sitter/").status_code == 200


def test_an_account_without_a_role_is_told_so(client: Client, clinic: Clinic) -> None:
    client.force_login(UserFactory(clinic=clinic))
    response = client.get("/")
    assert response.status_code == 403
    assert "Your account has no role in a clinic" in page_text(response)


def test_anonymous_visitors_see_the_public_landing_page(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "At-home ketamine treatment" in page_text(response)


def test_the_refusal_pages_explain_themselves(
    client: Client, patient: Patient, outsider: User
) -> None:
    client.force_login(patient.user)
    forbidden = client.get("/workspace/")
    assert forbidden.status_code == 403
    assert "This page is for clinic staff." in page_text(forbidden)

    client.force_login(outsider)
    missing = client.get(f"/workspace/patients/{patient.pk}/")
    assert missing.status_code == 404
    assert "There is no such page, or it is not yours to see." in page_text(missing)


# --- The patient's page and its audit trail -----------------------------------------


def test_viewing_a_patient_writes_one_read_entry_naming_them(
    client: Client, clinician: User, clinic: Clinic, patient: Patient
) -> None:
    client.force_login(clinician)  # itself audited, as a sign-in
    before = AuditEntry.objects.count()
    response = client.get(f"/workspace/patients/{patient.pk}/")
    assert response.status_code == 200

    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == AuditAction.READ
    assert entry.object_type == "patients.Patient"
    assert entry.object_id == str(patient.pk)
    assert entry.patient_id == patient.pk
    assert entry.clinic_id == clinic.pk
    assert (entry.actor_id, entry.actor_label, entry.role) == (clinician.pk, "alice", "clinician")
    assert entry.request_id == response["X-Request-ID"]
    assert entry.ip_address == "127.0.0.1"


def test_a_refused_view_reads_nothing(client: Client, outsider: User, patient: Patient) -> None:
    client.force_login(outsider)
    assert client.get(f"/workspace/patients/{patient.pk}/").status_code == 404
    # Only the denied attempt is recorded: the id asked for, no patient read.
    (entry,) = audit(action=AuditAction.READ)
    assert entry.patient_id is None
    assert (entry.actor_id, entry.object_id) == (outsider.pk, str(patient.pk))
    assert entry.detail["denied"] is True


def test_the_patient_page_shows_the_record_sitters_consent_and_history(
    client: Client, clinician: User, clinic: Clinic, patient: Patient, sitter: Sitter
) -> None:
    ConsentFactory(patient=patient, document=ConsentDocumentFactory(clinic=clinic))
    PhaseChange.objects.create(
        patient=patient, from_phase="", to_phase=Phase.SCREENING, actor=clinician
    )
    client.force_login(clinician)
    html = page_text(client.get(f"/workspace/patients/{patient.pk}/"))
    assert "Phase: Screening" in html
    assert "<dd>1985-06-15</dd>" in html
    assert "<dd>70.0 kg</dd>" in html
    assert "<dd>Treatment-resistant depression</dd>" in html
    # The chart's words for the sitter and the signature.
    assert f'{sitter.name}, <span class="nowrap">{sitter.phone}</span>' in html
    assert "version 1: signed" in html
    assert "new → Screening by Test" in html
    assert f'href="/workspace/patients/{patient.pk}/edit/"' in html
    assert '<option value="intake">Intake</option>' in html


def test_the_patient_page_says_when_there_is_no_sitter_or_consent(
    client: Client, clinician: User, patient: Patient
) -> None:
    client.force_login(clinician)
    html = page_text(client.get(f"/workspace/patients/{patient.pk}/"))
    assert "No sitter registered. Every at-home session needs one." in html
    assert "No consent signed yet." in html


def test_the_patient_page_is_a_bounded_number_of_queries(
    client: Client,
    clinician: User,
    clinic: Clinic,
    patient: Patient,
    django_assert_max_num_queries,
) -> None:
    client.force_login(clinician)
    url = f"/workspace/patients/{patient.pk}/"
    with CaptureQueriesContext(connection) as none:
        assert client.get(url).status_code == 200
    for n in range(5):
        SitterFactory(clinic=clinic, patients=[patient], name=f"Sitter {n}")
        PhaseChange.objects.create(patient=patient, from_phase="", to_phase="screening")
    # The chart (record, plan, alerts, holds, consent, charts, timeline, audit trail):
    # more sitters and phase changes cost no more queries.
    with django_assert_max_num_queries(len(none.captured_queries)):
        assert client.get(url).status_code == 200


# --- The patient list: paging and queries -------------------------------------------


@pytest.fixture
def sixty(clinic: Clinic) -> list[Patient]:
    return PatientFactory.create_batch(60, clinic=clinic)


def test_sixty_patients_make_two_pages(
    client: Client, clinician: User, sixty: list[Patient]
) -> None:
    client.force_login(clinician)
    first = client.get("/workspace/")
    assert first.status_code == 200
    page = first.context["page"]
    assert (page.number, page.paginator.num_pages, page.paginator.count) == (1, 2, 60)
    assert len(page.object_list) == PAGE_SIZE == 50
    html = page_text(first)
    assert "60 patients match." in html  # the panel's words
    assert "Page 1 of 2" in html
    assert re.search(r'href="\?page=2"[^>]*>Next page</a>', html)
    assert len(re.findall(r'href="/workspace/patients/\d+/"', html)) == 50

    second = client.get("/workspace/", {"page": "2"})
    rest = list(second.context["page"].object_list)
    assert len(rest) == 10
    assert set(rest).isdisjoint(page.object_list)
    assert set(rest) | set(page.object_list) == set(sixty)
    assert re.search(r'href="\?page=1"[^>]*>Previous page</a>', page_text(second))


@pytest.mark.parametrize(("asked", "shown"), [("abc", 1), ("0", 2), ("99", 2), ("-1", 2)])
def test_a_bad_page_number_shows_a_real_page(
    client: Client, clinician: User, sixty: list[Patient], asked: str, shown: int
) -> None:
    client.force_login(clinician)
    response = client.get("/workspace/", {"page": asked})
    assert response.status_code == 200
    assert response.context["page"].number == shown


def test_paging_keeps_the_filter(client: Client, clinician: User, sixty: list[Patient]) -> None:
    client.force_login(clinician)
    html = page_text(client.get("/workspace/", {"phase": "screening", "q": "Patient"}))
    assert re.search(r'href="\?phase=screening&amp;q=Patient&amp;page=2"[^>]*>Next page</a>', html)


def test_listing_patients_audits_which_ones_were_shown(
    client: Client, clinician: User, sixty: list[Patient]
) -> None:
    client.force_login(clinician)
    response = client.get("/workspace/")
    [entry] = audit(action=AuditAction.LIST)
    assert entry.detail["ids"] == [p.pk for p in response.context["page"].object_list]


def _list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/workspace/").status_code == 200
    return len(queries)


def test_the_patient_list_is_a_bounded_number_of_queries(
    client: Client, clinician: User, clinic: Clinic, django_assert_max_num_queries
) -> None:
    client.force_login(clinician)
    PatientFactory.create_batch(3, clinic=clinic)
    few = _list_queries(client)
    PatientFactory.create_batch(57, clinic=clinic)
    assert _list_queries(client) == few  # more rows cost no more queries
    # Session, user, roles, clinic, count, page, the rows' plans, audit append (6), and
    # the second factor's device that verified the session (django-otp).
    with django_assert_max_num_queries(14):
        assert client.get("/workspace/", {"page": "2"}).status_code == 200


def test_staff_see_their_navigation(client: Client, clinician: User) -> None:
    client.force_login(clinician)
    html = page_text(client.get("/workspace/"))
    assert 'href="/workspace/">Panel</a>' in html
    assert 'href="/admin/">Administration</a>' in html
    assert clinician.display_name in html
    assert "Clinic A" in html


def test_a_user_with_both_roles_sees_the_union(client: Client, clinic: Clinic) -> None:
    # A clinician who is also a patient of the same clinic: staff pages first.
    user = UserFactory(clinic=clinic, roles=[Role.CLINICIAN, Role.PATIENT], is_staff=True)
    PatientFactory(clinic=clinic, user=user)
    client.force_login(user)
    assert client.get("/")["Location"] == "/workspace/"
    assert client.get("/portal/").status_code == 200


def test_times_show_in_the_clinics_zone_with_its_abbreviation(
    client: Client, clinician: User, patient: Patient
) -> None:
    # 15:00 UTC on 15 January is 10:00 in New York (EST), the clinic's zone.
    at = dt.datetime(2026, 1, 15, 15, 0, tzinfo=dt.UTC)
    PhaseChange.objects.create(patient=patient, from_phase="", to_phase="screening", at=at)
    client.force_login(clinician)
    page = page_text(client.get(f"/workspace/patients/{patient.pk}/"))
    assert "2026-01-15 10:00 EST" in page
    assert "15:00" not in page


def test_a_patient_reads_times_in_their_own_zone(
    client: Client, clinician: User, patient: Patient
) -> None:
    from ketacare.web.middleware import display_timezone  # noqa: PLC0415

    patient.timezone = "Europe/Berlin"
    patient.save()
    assert display_timezone(patient.user) == "Europe/Berlin"
    assert display_timezone(clinician) == "America/New_York"
