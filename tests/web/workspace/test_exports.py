"""The exports page: administrators download a zip; prescribers for research; others refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.interop.exports.records import TYPE_KEYS
from ketacare.patients.models import Patient
from tests.factories import UserFactory
from tests.interop.exports.helpers import treated, zip_files
from tests.web.helpers import page_text

URL = "/workspace/exports/"
MONDAY = {"first_day": "2025-03-03", "last_day": "2025-03-03"}


@pytest.fixture
def pat(clock: Any, clinic: Clinic, prescriber: User, pharmacist: User) -> Patient:
    return treated(clock, clinic, prescriber, pharmacist, legal_name="Pat Exportable")


def _exports() -> int:
    return AuditEntry.objects.filter(action=AuditAction.EXPORT).count()


def _post(client: Client, **fields: Any) -> Any:
    return client.post(URL, {"types": list(TYPE_KEYS)} | MONDAY | fields)


def test_an_administrator_downloads_a_zip_of_every_record_type(
    client: Client, pat: Patient, clinic_admin: User
) -> None:
    client.force_login(clinic_admin)
    page = client.get(URL)
    assert page.status_code == 200
    html = page_text(page)
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'href="{URL}"' in html  # the navigation's link
    before = AuditEntry.objects.count()
    response = _post(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "ketacare-identifying-2025-03-03-to-2025-03-03.zip" in response["Content-Disposition"]
    files = zip_files(b"".join(response.streaming_content))
    assert sorted(files) == sorted(f"{k}.csv" for k in TYPE_KEYS)
    assert files["patients.csv"][0]["legal_name"] == "Pat Exportable"
    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.order_by("-seq").first().action == AuditAction.EXPORT  # type: ignore[union-attr]


def test_research_mode_from_the_page(client: Client, pat: Patient, clinic_admin: User) -> None:
    client.force_login(clinic_admin)
    response = _post(client, research="on", types=["patients"])
    files = zip_files(b"".join(response.streaming_content))
    assert "legal_name" not in files["patients.csv"][0]
    assert "Pat Exportable" not in str(files)


def test_a_prescriber_exports_for_research_only(
    client: Client, pat: Patient, prescriber: User
) -> None:
    client.force_login(prescriber)
    assert "pseudonymised for research only" in page_text(client.get(URL))
    response = _post(client, types=["patients"])  # no tick: research all the same
    assert "ketacare-research-" in response["Content-Disposition"]
    files = zip_files(b"".join(response.streaming_content))
    assert "legal_name" not in files["patients.csv"][0]


@pytest.mark.parametrize("who", ["clinician", "pharmacist", "coordinator"])
def test_other_roles_are_refused(
    client: Client, pat: Patient, request: pytest.FixtureRequest, who: str
) -> None:
    user: User = request.getfixturevalue(who)
    client.force_login(user)
    before = _exports()
    get = client.get(URL)
    assert get.status_code == 403
    assert "Ask an administrator of your clinic" in page_text(get)
    assert _post(client).status_code == 403
    assert _exports() == before
    assert f'href="{URL}"' not in page_text(client.get("/workspace/"))


def test_patients_and_sitters_are_refused(client: Client, pat: Patient) -> None:
    for user in (pat.user, pat.sitters.get().user):
        client.force_login(user)
        assert client.get(URL).status_code in {403, 404}
        assert _post(client).status_code in {403, 404}
    assert _exports() == 0


def test_another_clinics_administrator_exports_only_their_own_clinic(
    client: Client, pat: Patient, other_clinic: Clinic
) -> None:
    client.force_login(UserFactory(clinic=other_clinic, clinic_admin=True))
    files = zip_files(b"".join(_post(client).streaming_content))
    assert all(rows == [] for rows in files.values())
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT).get()
    assert entry.clinic_id == other_clinic.pk


def test_a_post_without_the_csrf_token_is_refused(pat: Patient, clinic_admin: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinic_admin)
    assert _post(client).status_code == 403
    assert _exports() == 0


def test_bad_days_are_named_on_the_form(client: Client, pat: Patient, clinic_admin: User) -> None:
    client.force_login(clinic_admin)
    response = _post(client, first_day="2025-03-04", last_day="2025-03-03")
    assert response.status_code == 400
    assert "The last day comes before the first day." in page_text(response)
    response = _post(client, types=[])
    assert response.status_code == 400
    assert _exports() == 0
