"""Every /fhir route refuses what the caller may not read, and audits only what it serves.

Pat (the `patient` fixture, clinic A) has one of each FHIR source row. Every resource of
Pat's $everything (so every registered type with a patient, whoever adds it) is then
asked for by Charlie (a clinician of clinic B), another patient of clinic A and Pat's
own sitter: each gets a 404 OperationOutcome, their searches find nothing of Pat's, and
no read of Pat's record is audited. Clinic A's staff of every role and Pat read it.
The route table below is checked against the URL resolver, so a new /fhir route can't
escape these cases.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from ketacare.accounts.models import User
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.patients.models import Patient, Sitter
from tests.factories import UserFactory
from tests.interop.fhir.chart import Chart, chart_of

# Every /fhir route, and how its ownership is tested here.
FHIR_ROUTES = {
    "fhir-metadata": "public: the CapabilityStatement, no record",
    "fhir-read": "test_strangers_get_404_for_every_resource",
    "fhir-search": "test_strangers_search_finds_nothing_of_the_patient",
    "fhir-everything": "test_strangers_get_404_for_everything",
}
STAFF_ROLES = ("clinician", "prescriber", "pharmacist", "coordinator", "clinic_admin")


def _fhir_route_names() -> set[str]:
    found: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif prefix.startswith("fhir/") and pattern.name:
                found.add(pattern.name)

    walk(get_resolver().url_patterns, "")
    return found


def test_every_fhir_route_has_an_ownership_case() -> None:
    assert _fhir_route_names() == set(FHIR_ROUTES)
    for case in FHIR_ROUTES.values():
        assert case.startswith("public") or case in globals()


@pytest.fixture
def chart(patient: Patient) -> Chart:
    return chart_of(patient)


@pytest.fixture
def resources(as_user: Any, clinician: User, chart: Chart) -> list[str]:
    """Type/id of every resource of Pat's record."""
    everything = as_user(clinician).get(f"/fhir/Patient/{chart.patient.pk}/$everything")
    found = json.loads(everything.content)
    return [f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in found["entry"]]


@pytest.fixture(params=["outsider", "other_patient", "sitter"])
def stranger(request: pytest.FixtureRequest, other_patient: Patient, sitter: Sitter) -> User:
    if request.param == "other_patient":
        assert other_patient.user is not None
        return other_patient.user
    if request.param == "sitter":
        assert sitter.user is not None
        return sitter.user
    return request.getfixturevalue("outsider")


def _reads_of(patient: Patient) -> int:
    return AuditEntry.objects.filter(action=AuditAction.READ, patient_id=patient.pk).count()


def test_strangers_get_404_for_every_resource(
    as_user: Any, stranger: User, chart: Chart, resources: list[str]
) -> None:
    assert len(resources) >= 12
    before = _reads_of(chart.patient)
    api = as_user(stranger)
    for resource in resources:
        response = api.get(f"/fhir/{resource}")
        assert response.status_code == 404, resource
        assert json.loads(response.content)["resourceType"] == "OperationOutcome"
    assert _reads_of(chart.patient) == before


def test_strangers_get_404_for_everything(as_user: Any, stranger: User, chart: Chart) -> None:
    before = _reads_of(chart.patient)
    response = as_user(stranger).get(f"/fhir/Patient/{chart.patient.pk}/$everything")
    assert response.status_code == 404
    assert _reads_of(chart.patient) == before
    denied = AuditEntry.objects.filter(actor_id=stranger.pk, action=AuditAction.READ).last()
    assert denied is not None
    assert denied.detail["denied"] is True
    assert denied.patient_id is None


def test_strangers_search_finds_nothing_of_the_patient(
    as_user: Any, stranger: User, chart: Chart, resources: list[str]
) -> None:
    before = _reads_of(chart.patient)
    api = as_user(stranger)
    for type_name in sorted({r.split("/")[0] for r in resources}):
        found = json.loads(api.get(f"/fhir/{type_name}?_count=100").content)
        mine = [e["resource"]["id"] for e in found.get("entry", [])]
        assert not {f"{type_name}/{i}" for i in mine} & set(resources), type_name
        picked = json.loads(api.get(f"/fhir/{type_name}?patient={chart.patient.pk}").content)
        assert picked["total"] == 0
    assert _reads_of(chart.patient) == before


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_same_clinic_staff_of_every_role_read(
    as_user: Any, role: str, chart: Chart, resources: list[str]
) -> None:
    staff = UserFactory(clinic=chart.patient.clinic, **{role: True})
    api = as_user(staff)
    for resource in resources:
        assert api.get(f"/fhir/{resource}").status_code == 200, resource
    reads = AuditEntry.objects.filter(actor_id=staff.pk, patient_id=chart.patient.pk)
    assert reads.count() == len(resources)
    assert all(entry.detail["via"] == "fhir" for entry in reads)


def test_the_patient_reads_their_own_record(
    as_user: Any, chart: Chart, resources: list[str]
) -> None:
    assert chart.patient.user is not None
    api = as_user(chart.patient.user)
    for resource in resources:
        assert api.get(f"/fhir/{resource}").status_code == 200, resource
    found = json.loads(api.get("/fhir/Patient").content)
    assert [e["resource"]["id"] for e in found["entry"]] == [str(chart.patient.pk)]
