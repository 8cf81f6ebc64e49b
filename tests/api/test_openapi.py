"""The OpenAPI document validates; generated requests get no 5xx and no undocumented status.

schemathesis reads /api/v1/openapi.json from the WSGI app in-process and generates
requests for every operation (valid ones, and invalid ones), sent with a clinician's
bearer token; every answer's status must be one its operation documents (schemathesis's
status-code conformance check). Path ids are sometimes real ones of the clinician's
clinic, so the generated bodies reach the services and not only the 404 of an unknown
id. Bounded and deterministic (derandomized hypothesis, no example database).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis.checks import status_code_conformance

from ketacare.api.services import issue_token
from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.intake.services import start_intake
from ketacare.patients.models import Patient
from tests.api.conftest import API, ApiClient
from tests.factories import ConsentDocumentFactory, PatientFactory, UserFactory

EXAMPLES_PER_OPERATION = 10  # per generation mode: a few hundred requests in all


def test_the_document_is_served_and_valid(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["info"]["title"] == "ketacare API"
    schemes = document["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}


def test_the_docs_page_is_served_without_a_cdn(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    script = client.get("/static/ninja/swagger-ui-bundle.js")  # served from the package
    assert script.status_code == 200
    script.close()


def test_every_operation_documents_its_errors(client):
    document = client.get(f"{API}/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path} has no summary"
            if operation.get("security") != []:
                assert "401" in operation["responses"] or path.endswith("/auth/token")


WRITES = ("post", "put", "patch", "delete")


def test_every_write_documents_400_and_503(client):
    # A body that is not JSON is 400 `bad_request`; a database too busy twice is 503.
    document = client.get(f"{API}/openapi.json").json()
    writes = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in WRITES:
                continue
            writes += 1
            for status in ("400", "503"):
                answer = operation["responses"].get(status)
                assert answer is not None, f"{method.upper()} {path} does not document {status}"
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)
    assert writes >= 30


def test_a_body_that_is_not_json_is_a_documented_400(as_user, clinician, patient):
    client = as_user(clinician)
    response = client.client.post(
        f"{API}/patients/{patient.pk}/adverse-events",
        data="{not json",
        content_type="application/json",
        headers=client.headers(),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def _known_ids(clinic: Any, clinician: Any) -> dict[str, list[int]]:
    """Real objects of the clinician's clinic, for the path parameters."""
    coordinator = UserFactory(clinic=clinic, coordinator=True)
    patients = [PatientFactory(clinic=clinic, with_account=True) for _ in range(2)]
    ConsentDocumentFactory(clinic=clinic)
    intake = start_intake(coordinator, patients[0])
    response = submit_questionnaire(
        coordinator,
        patients[0],
        questionnaire(instrument="phq9", answers=[1, 2, 0, 3, 1, 0, 2, 1, 0]),
    )
    Patient.objects.filter(pk=patients[1].pk).update(phase="induction")
    return {
        "patient_id": [p.pk for p in patients],
        "intake_id": [intake.pk],
        "response_id": [response.pk],
    }


def _generated(operation: Any, mode: Any, send: Any) -> None:
    """Send `max_examples` requests generated for `operation` through `send(case, draw)`."""

    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case: Any, data: Any) -> None:
        send(case, data.draw)

    run()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # each request commits, as in production
def test_generated_requests_never_get_a_5xx(clinic, clinician):
    known = _known_ids(clinic, clinician)
    token = issue_token(clinician)[1]
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", get_wsgi_application())
    failures: list[str] = []
    statuses: list[int] = []

    def send(case: Any, draw: Any) -> None:
        for name, ids in known.items():
            if case.path_parameters and name in case.path_parameters:
                chosen = draw(st.sampled_from([None, *ids]))
                if chosen is not None:
                    case.path_parameters[name] = chosen
        bearer = token
        if case.method == "DELETE" and case.path.endswith("/auth/token"):
            bearer = issue_token(clinician)[1]  # revoke a token of its own, not the run's
        response = case.call(headers={"Authorization": f"Bearer {bearer}"})
        statuses.append(response.status_code)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {case.as_curl_command()}")
        try:  # every status answered is one the document lists for the operation
            case.validate_response(response, checks=[status_code_conformance])
        except (AssertionError, BaseExceptionGroup) as failure:
            failures.append(f"undocumented: {failure} {case.as_curl_command()}")

    for result in schema.get_all_operations():
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            _generated(result.ok(), mode, send)
    assert len(statuses) >= 300, len(statuses)
    assert sum(200 <= s < 300 for s in statuses) >= 50  # not only 404s and 422s
    assert not failures, "\n".join(failures[:10])


def test_times_carry_their_offset(as_user, clinician, patient):
    body = as_user(clinician).get(f"patients/{patient.pk}").json()
    assert dt.datetime.fromisoformat(body["phase_since"]).utcoffset() == dt.timedelta(0)
    assert body["timezone"] == "America/New_York"


def test_an_anonymous_client_may_read_the_document():
    assert ApiClient().get("openapi.json").status_code == 200
