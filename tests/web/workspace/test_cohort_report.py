"""The cohort report page: every table, the charts, the refusals and the clinic's walls."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditEntry
from ketacare.clinical.outcomes.report import BaselineSummary, Count
from ketacare.patients.models import Patient
from ketacare.reports.cohort.present import _band_words
from tests.reports.cohort_helpers import build_cohort

URL = reverse("ws-cohort-report")
JANUARY = {"first_dose_from": "2026-01-01", "first_dose_to": "2026-01-31"}
TABLES = (
    "cohort-counts",
    "cohort-baseline",
    "cohort-rates",
    "cohort-effects",
    "cohort-adverse",
    "cohort-definitions",
)


@pytest.fixture
def cohort(clinic: Clinic, other_clinic: Clinic) -> dict[str, Patient]:
    return build_cohort(clinic, other_clinic)


def _cell(html: str, header: str) -> str:
    found = re.search(rf"<th scope=\"row\">{re.escape(header)}</th><td class=\"num\">(\d+)", html)
    assert found is not None, header
    return found.group(1)


def test_the_page_shows_every_table_and_chart(
    client: Client, clinician: User, cohort: dict[str, Patient]
) -> None:
    client.force_login(clinician)
    response = client.get(URL, JANUARY)
    assert response.status_code == 200
    html = response.content.decode()
    for table in TABLES:
        assert f'class="dense {table}"' in html or f'class="{table}"' in html, table
    assert _cell(html, "Treated (at least one dose)") == "3"
    assert _cell(html, "Dropouts") == "1"
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" id="cohort-rates-') >= 2
    assert "Hull 2022 62.8%" in html  # the PHQ-9 response reference mark
    assert "<title" in html
    assert "<desc" in html
    assert "Baseline: the last score before the first dose" in html
    assert "significant baseline" in html
    for patient in cohort.values():
        assert patient.legal_name not in html


def test_the_page_opens_on_the_last_year(client: Client, clinician: User) -> None:
    client.force_login(clinician)
    response = client.get(URL)
    assert response.status_code == 200
    assert 'name="first_dose_from"' in response.content.decode()


def test_a_bad_range_is_said_on_the_form(client: Client, clinician: User) -> None:
    client.force_login(clinician)
    response = client.get(URL, {"first_dose_from": "2026-02-01", "first_dose_to": "2026-01-01"})
    assert response.status_code == 400
    assert "end date is before the start date" in response.content.decode()
    assert not AuditEntry.objects.filter(object_type="reports.CohortReport").exists()


@pytest.mark.parametrize("who", ["pharmacist", "coordinator"])
def test_roles_without_the_row_are_refused(
    request: pytest.FixtureRequest, client: Client, cohort: dict[str, Patient], who: str
) -> None:
    client.force_login(request.getfixturevalue(who))
    response = client.get(URL, JANUARY)
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(object_type="reports.CohortReport").exists()
    panel = client.get(reverse("ws-panel")).content.decode()
    assert URL not in panel  # no link in the navigation


@pytest.mark.parametrize("who", ["clinician", "prescriber", "clinic_admin"])
def test_roles_with_the_row_see_it_and_its_link(
    request: pytest.FixtureRequest, client: Client, who: str
) -> None:
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL, JANUARY).status_code == 200
    assert f'<a href="{URL}">Cohort report</a>' in client.get(reverse("ws-panel")).content.decode()


def test_another_clinics_patients_are_never_counted(
    client: Client, outsider: User, cohort: dict[str, Patient]
) -> None:
    client.force_login(outsider)
    html = client.get(URL, JANUARY).content.decode()
    assert _cell(html, "Treated (at least one dose)") == "1"  # their own patient only
    entry = AuditEntry.objects.get(object_type="reports.CohortReport")
    assert entry.detail["ids"] == [cohort["elsewhere"].pk]
    assert entry.actor_id == outsider.pk


def test_bands_are_named_in_words() -> None:
    summary = BaselineSummary(
        instrument="phq9",
        n=2,
        mean=17.0,
        sd=1.0,
        bands=(Count("moderately_severe", 2),),
        significant=2,
        stale=0,
    )
    assert _band_words(summary).bands == (Count("moderately severe", 2),)
