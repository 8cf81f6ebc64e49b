"""GET /api/v1/reports/cohort: the caller's clinic as numbers, refused to other roles."""

from __future__ import annotations

from typing import Any

import pytest

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditEntry
from ketacare.patients.models import Patient
from tests.factories import UserFactory
from tests.reports.cohort_helpers import build_cohort

JANUARY = {"from": "2026-01-01", "to": "2026-01-31"}


@pytest.fixture
def cohort(clinic: Clinic, other_clinic: Clinic) -> dict[str, Patient]:
    return build_cohort(clinic, other_clinic)


def test_a_clinician_gets_their_clinics_report(
    cohort: dict[str, Patient], clinician: User, as_user: Any
) -> None:
    response = as_user(clinician).get("reports/cohort", query=JANUARY)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["clinic_id"] == clinician.clinic_id
    assert body["first_dose_from"] == "2026-01-01"
    report = body["report"]
    assert report["treated"] == 3  # the other clinic's patient and March's never counted
    assert report["dropouts"] == 1
    severities = {a["severity"]: a["events"] for a in report["adverse_events"] if a["events"]}
    assert severities == {"mild": 1, "moderate": 1}
    assert body["definitions"]
    assert "legal_name" not in response.content.decode()
    assert cohort["responder"].legal_name not in response.content.decode()


def test_filters_narrow_the_cohort(
    cohort: dict[str, Patient], clinician: User, as_user: Any
) -> None:
    response = as_user(clinician).get("reports/cohort", query=JANUARY | {"indication": "ptsd"})
    assert response.status_code == 200
    assert response.json()["report"]["treated"] == 1
    assert response.json()["filters"] == {"indication": "ptsd"}


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-02-01", "to": "2026-01-01"},
        {"from": "2026-01-01"},
        {"from": "2026-01-01", "to": "2026-01-31", "route": "iv"},
    ],
)
def test_a_bad_query_is_a_422_naming_it(
    clinician: User, as_user: Any, query: dict[str, str]
) -> None:
    response = as_user(clinician).get("reports/cohort", query=query)
    assert response.status_code == 422, response.json()
    assert not AuditEntry.objects.filter(object_type="reports.CohortReport").exists()


@pytest.mark.parametrize("trait", ["pharmacist", "coordinator"])
def test_roles_without_the_row_are_refused(clinic: Clinic, as_user: Any, trait: str) -> None:
    user = UserFactory(clinic=clinic, **{trait: True})
    response = as_user(user).get("reports/cohort", query=JANUARY)
    assert response.status_code == 403
    assert "see the cohort outcome report" in response.json()["message"]
    assert not AuditEntry.objects.filter(object_type="reports.CohortReport").exists()


def test_each_read_is_one_audit_entry(
    cohort: dict[str, Patient], clinician: User, as_user: Any
) -> None:
    as_user(clinician).get("reports/cohort", query=JANUARY)
    entries = AuditEntry.objects.filter(object_type="reports.CohortReport")
    assert entries.count() == 1
    assert entries.get().detail["via"] == "api"


def test_a_superuser_names_the_clinic(
    cohort: dict[str, Patient], clinic: Clinic, as_user: Any
) -> None:
    root = UserFactory(clinic=None, is_superuser=True, is_staff=True)
    assert as_user(root).get("reports/cohort", query=JANUARY).status_code == 404
    response = as_user(root).get("reports/cohort", query=JANUARY | {"clinic_id": clinic.pk})
    assert response.status_code == 200
    assert response.json()["report"]["treated"] == 3
