"""FHIR over HTTP: content type, 401 without a caller, OperationOutcome refusals, paging."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from ketacare.accounts.models import User
from ketacare.patients.models import Patient
from tests.interop.fhir.chart import Chart, chart_of, ids, valid

FHIR_JSON = "application/fhir+json"


@pytest.fixture
def chart(patient: Patient) -> Chart:
    return chart_of(patient)


def body(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == FHIR_JSON
    return valid(json.loads(response.content))


def test_metadata_needs_no_sign_in(client: Client) -> None:
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    statement = body(response)
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["implementation"]["url"] == "http://testserver/fhir"


@pytest.mark.parametrize(
    "path", ["/fhir/Patient", "/fhir/Patient/1", "/fhir/Patient/1/$everything", "/fhir/Observation"]
)
def test_no_caller_is_a_401(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    outcome = body(response)
    assert outcome["issue"][0]["code"] == "login"
    assert "Bearer" in outcome["issue"][0]["diagnostics"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_token_is_a_401(client: Client) -> None:
    response = client.get("/fhir/Patient", headers={"Authorization": "Bearer kc_not-a-token"})
    assert response.status_code == 401


def test_read_with_a_token(as_user: Any, clinician: User, chart: Chart) -> None:
    response = as_user(clinician).get(f"/fhir/Observation/qr-{chart.phq9.pk}-total")
    assert response.status_code == 200
    assert body(response)["valueInteger"] == 9


def test_read_with_a_session(client: Client, clinician: User, chart: Chart) -> None:
    client.force_login(clinician)
    response = client.get(f"/fhir/Patient/{chart.patient.pk}")
    assert response.status_code == 200
    assert body(response)["id"] == str(chart.patient.pk)


@pytest.mark.parametrize(
    "path",
    [
        "/fhir/Patient/987654",
        "/fhir/Patient/abc",
        "/fhir/Observation/qr-987654-total",
        "/fhir/Observation/nonsense",
        "/fhir/Condition/indication-987654",
        "/fhir/Questionnaire/phq99",
        "/fhir/Encounter",
        "/fhir/Encounter/1",
        "/fhir/Patient/987654/$everything",
    ],
)
def test_unknown_is_a_404_outcome(as_user: Any, clinician: User, path: str) -> None:
    response = as_user(clinician).get(path)
    assert response.status_code == 404
    assert body(response)["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("date=2025-13-01", "date"),
        ("_count=lots", "_count"),
        ("colour=blue", "colour"),
        ("_include=Observation:subject", "_include"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(
    as_user: Any, clinician: User, query: str, named: str
) -> None:
    response = as_user(clinician).get(f"/fhir/Observation?{query}")
    assert response.status_code == 400
    outcome = body(response)
    assert outcome["issue"][0]["code"] == "invalid"
    assert named in outcome["issue"][0]["diagnostics"]


def test_everything_takes_no_paging(as_user: Any, clinician: User, chart: Chart) -> None:
    response = as_user(clinician).get(f"/fhir/Patient/{chart.patient.pk}/$everything?_count=2")
    assert response.status_code == 400
    assert "_count" in body(response)["issue"][0]["diagnostics"]


def test_writes_are_refused(as_user: Any, clinician: User, chart: Chart) -> None:
    response = as_user(clinician).post(f"/fhir/Patient/{chart.patient.pk}", {})
    assert response.status_code == 405
    assert body(response)["resourceType"] == "OperationOutcome"


def test_paging_over_http_to_the_end(as_user: Any, clinician: User, chart: Chart) -> None:
    api = as_user(clinician)
    url = "/fhir/Observation?_count=4&code=85354-9,8867-4,29463-7,44261-6"
    seen: list[str] = []
    while url:
        page = body(api.get(url))
        assert page["total"] == 6
        seen += ids(page)
        links = {link["relation"]: link["url"] for link in page["link"]}
        url = links.get("next", "").removeprefix("http://testserver")
    every = chart.observation_ids()
    assert seen == [every[0], every[1], *every[5:]]


def test_include_over_http(as_user: Any, clinician: User, chart: Chart) -> None:
    url = "/fhir/QuestionnaireResponse?_include=QuestionnaireResponse:patient"
    page = body(as_user(clinician).get(url))
    assert ids(page, "include") == [str(chart.patient.pk)]
    assert len(ids(page)) == 4


def test_everything_over_http(as_user: Any, clinician: User, chart: Chart) -> None:
    response = as_user(clinician).get(f"/fhir/Patient/{chart.patient.pk}/$everything")
    assert response.status_code == 200
    found = body(response)
    assert set(chart.observation_ids()) <= set(ids(found))
