"""The first staff pages, the patient's record page, the sitter's list and the care pages moved.

/patients/ became the workspace (panel, chart, and the record's own pages), /me/ the
portal, /sitting/ the portal's sitter page, and /care/ (intake review, plan,
prescriptions, dispensing, the pharmacy queue) joined the workspace. Each old address
answers a permanent redirect (301) to the page that serves it now, keeping the query;
following it lands on that page, which answers as its table says. A POST to an old
address gets the same 301: the browser follows it with a GET, so nothing is saved and
the form is shown again at its new address.
"""

from __future__ import annotations

import pytest
from django.test import Client

from ketacare.accounts.models import User
from ketacare.audit.models import AuditEntry
from ketacare.patients.models import Patient, Sitter
from ketacare.treatment.models import Prescription
from tests.web.helpers import page_text

# (the old address, the page that serves it now); {p} is the patient's id.
MOVED = [
    ("/patients/", "/workspace/"),
    ("/patients/?phase=intake&q=ada", "/workspace/?phase=intake&q=ada"),
    ("/patients/new/", "/workspace/patients/new/"),
    ("/patients/{p}/", "/workspace/patients/{p}/"),
    ("/patients/{p}/edit/", "/workspace/patients/{p}/edit/"),
    ("/patients/{p}/phase/", "/workspace/patients/{p}/phase/"),
    ("/me/", "/portal/"),
    ("/sitting/", "/portal/sitter/"),
    ("/care/reviews/", "/workspace/reviews/"),
    ("/care/patients/{p}/intake-review/", "/workspace/patients/{p}/intake-review/"),
    ("/care/patients/{p}/plan/", "/workspace/patients/{p}/plan/"),
    (
        "/care/patients/{p}/plan/preview/?route=oral&dose=100",
        "/workspace/patients/{p}/plan/preview/?route=oral&dose=100",
    ),
    ("/care/patients/{p}/prescriptions/", "/workspace/patients/{p}/prescriptions/"),
    ("/care/patients/{p}/dispense/", "/workspace/patients/{p}/dispense/"),
    ("/care/pharmacy/", "/workspace/pharmacy/"),
]
CARE = [(old, new) for old, new in MOVED if old.startswith("/care/")]


@pytest.mark.parametrize(("old", "new"), MOVED, ids=[old for old, _ in MOVED])
def test_an_old_address_redirects_for_good(
    client: Client, patient: Patient, old: str, new: str
) -> None:
    response = client.get(old.format(p=patient.pk))
    assert response.status_code == 301
    assert response["Location"] == new.format(p=patient.pk)


def test_staff_land_on_the_panel(client: Client, clinician: User, patient: Patient) -> None:
    client.force_login(clinician)
    response = client.get("/patients/", follow=True)
    assert response.redirect_chain == [("/workspace/", 301)]
    assert patient in response.context["page"].object_list


def test_staff_land_on_the_chart(client: Client, clinician: User, patient: Patient) -> None:
    client.force_login(clinician)
    response = client.get(f"/patients/{patient.pk}/", follow=True)
    assert response.redirect_chain == [(f"/workspace/patients/{patient.pk}/", 301)]
    assert response.context["patient"] == patient
    assert "Phase: Screening" in page_text(response)


@pytest.mark.parametrize(
    ("old", "heading"),
    [("/patients/new/", "Register a patient"), ("/patients/{p}/edit/", "Edit {name}")],
)
def test_staff_land_on_the_record_forms(
    client: Client, coordinator: User, patient: Patient, old: str, heading: str
) -> None:
    client.force_login(coordinator)
    response = client.get(old.format(p=patient.pk), follow=True)
    assert response.status_code == 200
    assert f"<h1>{heading.format(name=patient.legal_name)}</h1>" in page_text(response)


def test_the_phase_move_is_posted_to_the_workspace(
    client: Client, clinician: User, patient: Patient
) -> None:
    # A redirected POST arrives as a GET, which the phase move does not take: the
    # chart's form posts to the new address.
    client.force_login(clinician)
    chart = page_text(client.get(f"/workspace/patients/{patient.pk}/"))
    assert f'action="/workspace/patients/{patient.pk}/phase/"' in chart
    response = client.get(f"/patients/{patient.pk}/phase/", follow=True)
    assert response.redirect_chain == [(f"/workspace/patients/{patient.pk}/phase/", 301)]
    assert response.status_code == 405


def test_a_patient_lands_on_their_portal(client: Client, patient: Patient) -> None:
    assert patient.user is not None
    client.force_login(patient.user)
    response = client.get("/me/", follow=True)
    assert response.redirect_chain == [("/portal/", 301)]
    assert response.context["patient"] == patient


def test_a_sitter_lands_on_their_page(client: Client, sitter: Sitter, patient: Patient) -> None:
    assert sitter.user is not None
    client.force_login(sitter.user)
    response = client.get("/sitting/", follow=True)
    assert response.redirect_chain == [("/portal/sitter/", 301)]
    assert [row["patient"] for row in response.context["rows"]] == [patient]


def test_someone_who_is_not_a_sitter_gets_the_portals_answer(
    client: Client, clinician: User
) -> None:
    # /sitting/ answered 403 and /portal/sitter/ 404; the sitter pages' 404 is kept.
    client.force_login(clinician)
    response = client.get("/sitting/", follow=True)
    assert response.redirect_chain == [("/portal/sitter/", 301)]
    assert response.status_code == 404


@pytest.mark.parametrize(("old", "new"), MOVED, ids=[old for old, _ in MOVED])
def test_anonymous_visitors_are_sent_to_sign_in_from_the_new_page(
    client: Client, patient: Patient, old: str, new: str
) -> None:
    response = client.get(old.format(p=patient.pk), follow=True)
    target = new.format(p=patient.pk)
    assert response.redirect_chain[0] == (target, 301)
    assert response.redirect_chain[1][0].startswith("/login/?next=")


def test_a_pharmacist_lands_on_the_queue(client: Client, pharmacist: User) -> None:
    client.force_login(pharmacist)
    response = client.get("/care/pharmacy/", follow=True)
    assert response.redirect_chain == [("/workspace/pharmacy/", 301)]
    assert "<h1>Pharmacy queue</h1>" in page_text(response)


@pytest.mark.parametrize(("old", "new"), CARE, ids=[old for old, _ in CARE])
def test_a_post_to_an_old_care_address_is_redirected_and_saves_nothing(
    client: Client, prescriber: User, patient: Patient, old: str, new: str
) -> None:
    client.force_login(prescriber)
    written = AuditEntry.objects.count()
    response = client.post(old.format(p=patient.pk), {"quantity": "8", "refills": "0"})
    assert response.status_code == 301
    assert response["Location"] == new.format(p=patient.pk)
    assert AuditEntry.objects.count() == written
    assert not Prescription.objects.exists()


def test_a_redirected_decision_arrives_as_a_get_and_changes_nothing(
    client: Client, clinician: User, patient: Patient
) -> None:
    # The care pages' forms post to their new address; an old one shows the page again.
    client.force_login(clinician)
    old = f"/care/patients/{patient.pk}/intake-review/"
    response = client.post(old, {"decision": "approve"}, follow=True)
    assert response.redirect_chain == [(f"/workspace/patients/{patient.pk}/intake-review/", 301)]
    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.phase == "screening"
