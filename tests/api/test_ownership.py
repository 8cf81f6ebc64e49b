"""Ownership, endpoint by endpoint: what an actor may not see is a 404, never a 403.

Alice and Bob, clinicians of clinic A, see the patient (a read is a 200; a write may
be refused for their role or the patient's phase, but never as "not found"). Charlie,
a clinician of clinic B, another patient of clinic A, and the sitter of that other
patient get a 404 on every endpoint under /patients/{id}/, and nothing is stored.
Anonymous callers get a 401. Every operation of the OpenAPI document under a patient
is in the table (a test checks it), so a new endpoint cannot skip this.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.apps import apps

from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.intake.services import start_intake
from ketacare.invitations.services import invite_sitter
from ketacare.invitations.specs import InviteSpec
from ketacare.kernel.specs import read
from ketacare.patients.models import Patient
from ketacare.pharmacy.models import Destruction, Lot, RecallTask, Receipt
from ketacare.pharmacy.recalls import recall_lot
from ketacare.treatment import services as treatment
from ketacare.treatment.specs.sessions import AdverseEventSpec, CheckInSpec, ChecklistSpec, DoseSpec
from tests.api.bodies import BP, NEW_PATIENT
from tests.api.bodies import CHECKLIST as CHECKLIST_BODY
from tests.api.conftest import API, ApiClient
from tests.factories import (
    ConsentDocumentFactory,
    NoteFactory,
    PatientFactory,
    SitterFactory,
    UserFactory,
)
from tests.pharmacy.destroying import destroyed, lot_of
from tests.pharmacy.recalling import OUTCOME, RECALL, recall_spec, the_lot, treated
from tests.pharmacy.receiving import DELIVERY as STOCK_DELIVERY
from tests.pharmacy.receiving import RETURN as STOCK_RETURN
from tests.pharmacy.receiving import TRANSFER as STOCK_TRANSFER
from tests.pharmacy.receiving import on_shelf as stock_on_shelf
from tests.pharmacy.receiving import received as stock_received
from tests.treatment.helpers import (
    CHECK_IN_BP,
    CHECKLIST,
    NOW,
    PLAN,
    fill,
    plan_for,
    prescribe,
    sitter_here,
)

PHQ9 = [1, 2, 0, 3, 1, 0, 2, 1, 0]
MAUDSLEY = {"duration": 2, "severity": 3, "treatment_failures": 4}
SEE = ("alice", "bob")
NOT_FOUND = ("charlie", "other_patient", "other_sitter")

# (method, path under /api/v1/patients/{p}, body). {p} is the patient, the other names
# are objects of that patient.
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "{p}", None),
    ("POST", "{p}/phase", {"target": "paused", "reason": "a holiday"}),
    ("GET", "{p}/consent", None),
    ("POST", "{p}/consents", {"document_id": "{document}", "signature_name": "Pat Patient"}),
    ("GET", "{p}/intakes", None),
    ("POST", "{p}/intakes", None),
    ("GET", "{p}/intakes/{intake}", None),
    ("PUT", "{p}/intakes/{intake}/draft", {"home": {"sitter_available": True}}),
    ("POST", "{p}/intakes/{intake}/submit", None),
    ("POST", "{p}/intakes/{intake}/review", {"decision": "approve", "justification": "ok"}),
    ("POST", "{p}/intakes/{intake}/staff-ratings", {"maudsley": MAUDSLEY}),
    ("GET", "{p}/questionnaires", None),
    ("POST", "{p}/questionnaires", {"instrument": "phq9", "answers": PHQ9}),
    ("GET", "{p}/questionnaires/due", None),
    ("GET", "{p}/questionnaires/{response}", None),
    ("GET", "{p}/outcomes/phq9", None),
    ("GET", "{p}/plans", None),
    ("POST", "{p}/plans", PLAN),
    ("GET", "{p}/plans/current", None),
    ("GET", "{p}/plans/{plan}", None),
    ("POST", "{p}/plans/{plan}/revisions", {"reason": "more", "dose_mg": 100}),
    ("GET", "{p}/prescriptions", None),
    ("POST", "{p}/prescriptions", {"plan_id": "{plan}", "quantity": 4, "directions": "x"}),
    ("GET", "{p}/prescriptions/{rx}", None),
    ("GET", "{p}/pdmp-checks", None),
    ("POST", "{p}/pdmp-checks", {"result": "nothing_of_concern"}),
    (
        "POST",
        "{p}/prescriptions/{rx}/dispenses",
        {"quantity": 1, "lot_number": "L1", "expires_on": "2026-01-31"},
    ),
    ("POST", "{p}/prescriptions/{rx}/cosign", None),
    ("POST", "{p}/prescriptions/{rx}/release-hold", {"note": "Seen today."}),
    ("POST", "{p}/prescriptions/{rx}/void", {"reason": "Wrong directions"}),
    (
        "POST",
        "{p}/prescriptions/{rx}/corrections",
        {"reason": "Fewer units", "quantity": 4, "directions": "x"},
    ),
    ("GET", "{p}/dispenses", None),
    ("POST", "{p}/dispenses/{dispense}/void", {"reason": "Wrong patient"}),
    (
        "POST",
        "{p}/dispenses/{dispense}/corrections",
        {"reason": "Lot typo", "quantity": 1, "lot_number": "L1", "expires_on": "2026-01-31"},
    ),
    ("GET", "{p}/ledger", None),
    ("GET", "{p}/induction-review", None),
    ("POST", "{p}/induction-review", {"benefit": "response", "decision": "stop", "note": "x"}),
    ("POST", "{p}/ledger/events", {"kind": "counted", "quantity": 6}),
    ("GET", "{p}/sessions", None),
    ("POST", "{p}/sessions", CHECKLIST_BODY),
    ("GET", "{p}/sessions/{session}", None),
    ("POST", "{p}/sessions/{ready}/dose", {"dose_mg": 100}),
    ("POST", "{p}/sessions/{dosed}/check-in", {"feeling": "well", "blood_pressure": BP}),
    ("GET", "{p}/sessions/{session}/check-in", None),
    ("GET", "{p}/sessions/{session}/readings", None),
    ("POST", "{p}/sessions/{dosed}/readings", BP),
    ("POST", "{p}/sessions/{dosed}/release", {"stable": False}),
    ("POST", "{p}/sitter-presence", None),
    ("POST", "{p}/sitter-codes", {"sitter_id": "{sitter}"}),
    ("POST", "{p}/sitter-presence/code", {"sitter_id": "{sitter}", "code": "123456"}),
    ("GET", "{p}/holds", None),
    ("GET", "{p}/dosing-clearances", None),
    ("POST", "{p}/dosing-clearances", {"hold": "suicidality", "note": "Reviewed."}),
    ("GET", "{p}/adverse-events", None),
    (
        "POST",
        "{p}/adverse-events",
        {"description": "Nausea", "severity": "mild", "serious": False, "outcome": "resolved"},
    ),
    ("GET", "{p}/alerts", None),
    ("GET", "{p}/sitting", None),
    ("GET", "{p}/invitations", None),
    ("POST", "{p}/invitations", {"channel": "sms"}),
    ("POST", "{p}/sitters/{new_sitter}/invitations", {"channel": "sms"}),
    ("POST", "{p}/invitations/{invitation}/resend", None),
    ("POST", "{p}/invitations/{invitation}/revoke", None),
    ("GET", "{p}/notes", None),
    ("POST", "{p}/notes", {"kind": "phone_call", "body": "Called: doing well."}),
    ("GET", "{p}/notes/{note}", None),
    ("PATCH", "{p}/notes/{draft}", {"body": "Called twice."}),
    ("POST", "{p}/notes/{draft}/sign", None),
    ("POST", "{p}/notes/{note}/addenda", {"body": "Correction: on Tuesday."}),
    ("DELETE", "{p}/notes/{draft}", None),
]
IDS = [f"{method} {path}" for method, path, _ in ENDPOINTS]


# The world is built from NOW (the plan's first day) on; the tests run a week later.
LATER = NOW + dt.timedelta(days=6, hours=1)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(LATER, tick=False):
        yield


@pytest.fixture
def world(clinic, patient: Patient) -> dict[str, Any]:
    """The patient with one of everything: intake, response, plan, prescription, sessions."""
    with time_machine.travel(NOW, tick=False):
        return _build_world(clinic, patient)


def _build_world(clinic, patient: Patient) -> dict[str, Any]:
    coordinator = UserFactory(clinic=clinic, coordinator=True)
    prescriber = UserFactory(clinic=clinic, prescriber=True)
    pharmacist = UserFactory(clinic=clinic, pharmacist=True)
    document = ConsentDocumentFactory(clinic=clinic, published_at=NOW - dt.timedelta(days=1))
    intake = start_intake(coordinator, patient)
    Patient.objects.filter(pk=patient.pk).update(phase="approved")
    patient.refresh_from_db()
    response = submit_questionnaire(
        coordinator, patient, questionnaire(instrument="phq9", answers=PHQ9)
    )
    plan = plan_for(prescriber, patient)
    rx = prescribe(prescriber, patient)
    dispense = fill(pharmacist, rx)
    presence = sitter_here(patient)
    session = treatment.start_session(patient.user, patient, read(ChecklistSpec, CHECKLIST))
    treatment.record_dose_taken(patient.user, session, DoseSpec(dose_mg=100))
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        treatment.record_check_in(
            patient.user, session, CheckInSpec(feeling="well", blood_pressure=CHECK_IN_BP)
        )
    later = NOW + dt.timedelta(days=3)
    with time_machine.travel(later, tick=False):
        sitter_here(patient)
        dosed = treatment.start_session(patient.user, patient, read(ChecklistSpec, CHECKLIST))
        treatment.record_dose_taken(patient.user, dosed, DoseSpec(dose_mg=100))
    with time_machine.travel(later + dt.timedelta(days=3), tick=False):
        sitter_here(patient)
        ready = treatment.start_session(patient.user, patient, read(ChecklistSpec, CHECKLIST))
    treatment.report_adverse_event(
        patient.user,
        patient,
        AdverseEventSpec(
            description="Nausea",
            severity="mild",
            serious=False,
            outcome="resolved",
            session_id=session.pk,
        ),
    )
    new_sitter = SitterFactory(clinic=clinic, patients=[patient], user=None)
    invitation = invite_sitter(coordinator, patient, new_sitter, InviteSpec(channel="sms"))
    # Notes: a signed one, and a draft of the coordinator's (Alice and Bob may not change it).
    note = NoteFactory(patient=patient, author=prescriber, signed=True)
    draft = NoteFactory(patient=patient, author=coordinator)
    return {
        "p": patient.pk,
        "note": note.pk,
        "draft": draft.pk,
        "new_sitter": new_sitter.pk,
        "invitation": invitation.pk,
        "document": document.pk,
        "intake": intake.pk,
        "response": response.pk,
        "plan": plan.pk,
        "rx": rx.pk,
        "dispense": dispense.pk,
        "session": session.pk,
        "dosed": dosed.pk,
        "ready": ready.pk,
        "sitter": presence.sitter_id,
    }


@pytest.fixture
def callers(clinic, clinician, colleague, outsider, as_user) -> dict[str, ApiClient]:
    other = PatientFactory(clinic=clinic, with_account=True)
    other_sitter = SitterFactory(clinic=clinic, patients=[other])
    return {
        "alice": as_user(clinician),
        "bob": as_user(colleague),
        "charlie": as_user(outsider),
        "other_patient": as_user(other.user),
        "other_sitter": as_user(other_sitter.user),
        "anonymous": ApiClient(),
    }


def _fill(template: Any, ids: dict[str, Any]) -> Any:
    if isinstance(template, str):
        whole = re.fullmatch(r"\{(\w+)\}", template)
        if whole and whole.group(1) != "p" and template.startswith("{"):
            return ids[whole.group(1)]
        return template.format(**ids)
    if isinstance(template, dict):
        return {k: _fill(v, ids) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, ids) for v in template]
    return template


def _call(client: ApiClient, method: str, path: str, body: Any, ids: dict[str, Any]):
    url = f"patients/{path.format(**ids)}"
    if method == "GET":
        return client.get(url)
    return client.request(method, url, _fill(body, ids) if body is not None else {})


def _row_counts() -> dict[str, int]:
    labels = ("intake", "assessments", "treatment", "patients", "invitations", "notes")
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in labels
    }


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=IDS)
def test_it_validates_ownership(world, callers, method, path, body):
    # Those who may not see the patient first: 404, and nothing stored.
    for actor in NOT_FOUND:
        before = _row_counts()
        response = _call(callers[actor], method, path, body, world)
        assert response.status_code == 404, (actor, response.status_code, response.json())
        assert response.json()["code"] == "not_found"
        assert _row_counts() == before, actor
    assert _call(callers["anonymous"], method, path, body, world).status_code == 401
    # Then the clinic's clinicians. A write may be refused for their role or the
    # patient's phase (Bob may find Alice's change done), but never as "not found".
    for actor in SEE:
        response = _call(callers[actor], method, path, body, world)
        if method == "GET":
            assert response.status_code == 200, (actor, response.status_code, response.json())
        else:
            assert response.status_code in {200, 201, 202, 403, 409, 422}, (actor, response.json())


NESTED = [e for e in ENDPOINTS if re.search(r"\{(?!p\})\w+\}", e[1])]


@pytest.mark.parametrize(("method", "path", "body"), NESTED, ids=[f"{m} {p}" for m, p, _ in NESTED])
def test_an_object_of_another_patient_is_a_404_under_this_one(world, callers, method, path, body):
    """Alice sees both patients, but a session of one is not found under the other."""
    neighbour = PatientFactory(clinic=Patient.objects.get(pk=world["p"]).clinic)
    response = _call(callers["alice"], method, path, body, {**world, "p": neighbour.pk})
    assert response.status_code == 404, (response.status_code, response.json())


def test_the_patient_sees_their_own_record_and_their_sitter_where_the_session_stands(
    world, clinic, patient, as_user
):
    sitter = SitterFactory(clinic=clinic, patients=[patient])
    assert as_user(patient.user).get(f"patients/{patient.pk}/sessions").status_code == 200
    for user in (patient.user, sitter.user):
        assert as_user(user).get(f"patients/{patient.pk}/sitting").status_code == 200


def test_the_patient_list_holds_only_what_the_caller_may_see(world, callers, patient):
    def names(actor: str) -> list[int]:
        return [p["id"] for p in callers[actor].get("patients").json()["items"]]

    assert patient.pk in names("alice")
    assert names("charlie") == []
    assert patient.pk not in names("other_patient")
    # A sitter lists the people they sit for at /sitting, not patient records.
    assert callers["other_sitter"].get("patients").status_code == 403


def test_a_clinician_registers_patients_in_their_own_clinic_only(callers, other_clinic):
    body = NEW_PATIENT
    created = callers["charlie"].post("patients", body)
    assert created.status_code == 201, created.json()
    assert created.json()["clinic_id"] == other_clinic.pk
    assert callers["alice"].get(f"patients/{created.json()['id']}").status_code == 404
    assert callers["other_patient"].post("patients", body).status_code == 403


def test_every_patient_endpoint_is_in_the_table(client):
    document = client.get(f"{API}/openapi.json").json()
    documented = {
        (method.upper(), re.sub(r"\{\w+\}", "{}", path.removeprefix(f"{API}/patients/")))
        for path, operations in document["paths"].items()
        if path.startswith(f"{API}/patients/")
        for method in operations
    }
    tabled = {(m, re.sub(r"\{\w+\}|phq9$", "{}", p)) for m, p, _ in ENDPOINTS}
    assert documented == tabled


# The alert inbox lives at /alerts (not under a patient): one alert of the patient, and
# every operation on it, by every caller.
ALERT_ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "alerts", None),
    ("POST", "alerts/{alert}/acknowledge", {"note": "on it"}),
    ("POST", "alerts/{alert}/resolve", {"note": "done"}),
]


def test_every_alert_endpoint_is_in_the_table(client):
    document = client.get(f"{API}/openapi.json").json()
    documented = {
        (method.upper(), re.sub(r"\{\w+\}", "{}", path.removeprefix(f"{API}/")))
        for path, operations in document["paths"].items()
        if path.startswith(f"{API}/alerts")
        for method in operations
    }
    assert documented == {(m, re.sub(r"\{\w+\}", "{}", p)) for m, p, _ in ALERT_ENDPOINTS}


@pytest.fixture
def alert_world(callers, patient, as_user) -> dict[str, Any]:
    """An urgent alert of the patient, and the patient and their sitter as callers too."""
    from ketacare.alerts.services import raise_alert  # noqa: PLC0415

    alert = raise_alert(
        patient=patient, cause="adverse_event", severity="urgent", subject="test:1",
        title="Adverse event reported", message="",
    )  # fmt: skip
    sitter = SitterFactory(clinic=patient.clinic, patients=[patient])
    return {
        "alert": alert,
        "callers": {**callers, "patient": as_user(patient.user), "sitter": as_user(sitter.user)},
    }


@pytest.mark.parametrize(
    ("method", "path", "body"), ALERT_ENDPOINTS, ids=[p for _, p, _ in ALERT_ENDPOINTS]
)
def test_alert_endpoints_validate_ownership(alert_world, method, path, body):
    from ketacare.alerts.models import Alert  # noqa: PLC0415

    alert = alert_world["alert"]
    url = path.format(alert=alert.pk)

    def call(who: str) -> Any:
        client = alert_world["callers"][who]
        return client.get(url) if method == "GET" else client.request(method, url, body)

    assert call("anonymous").status_code == 401
    for who in ("charlie", "other_patient", "other_sitter", "patient", "sitter"):
        response = call(who)
        if method == "GET":
            # Another clinic's staff see an inbox without it; patients and sitters no inbox.
            expected = 200 if who == "charlie" else 403
            assert response.status_code == expected, (who, response.json())
            if who == "charlie":
                assert response.json()["count"] == 0
        elif who == "charlie":
            assert response.status_code == 404, (who, response.status_code, response.json())
            assert response.json()["code"] == "not_found"
        else:
            # Patients and sitters act on no alert: their role is refused before any
            # alert is looked up, so the refusal confirms none exists.
            assert response.status_code == 403, (who, response.status_code, response.json())
        assert Alert.objects.get(pk=alert.pk).status == "open", who
    response = call("alice")
    assert response.status_code == 200, response.json()


def test_patients_and_sitters_do_not_see_the_alert_history(world, patient, as_user):
    sitter = SitterFactory(clinic=patient.clinic, patients=[patient])
    for user in (patient.user, sitter.user):
        assert as_user(user).get(f"patients/{patient.pk}/alerts").status_code == 403


# The cohort report lives at /reports: numbers of the caller's clinic, no object of a patient.
REPORT_ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "reports/cohort", None),
]
REPORT_QUERY = {"from": "2020-01-01", "to": "2035-12-31"}


def test_every_report_endpoint_is_in_the_table(client):
    document = client.get(f"{API}/openapi.json").json()
    documented = {
        (method.upper(), path.removeprefix(f"{API}/"))
        for path, operations in document["paths"].items()
        if path.startswith(f"{API}/reports")
        for method in operations
    }
    assert documented == {(m, p) for m, p, _ in REPORT_ENDPOINTS}


@pytest.mark.parametrize("endpoint", REPORT_ENDPOINTS, ids=[p for _, p, _ in REPORT_ENDPOINTS])
def test_report_endpoints_validate_ownership(world, callers, patient, as_user, endpoint):
    from ketacare.audit.models import AuditEntry  # noqa: PLC0415

    method, path, body = endpoint

    def count(who: str) -> Any:
        return callers[who].request(method, path, body, query=REPORT_QUERY)

    sitter = SitterFactory(clinic=patient.clinic, patients=[patient])
    assert count("anonymous").status_code == 401
    for user in (patient.user, sitter.user):
        assert as_user(user).get(path, query=REPORT_QUERY).status_code == 403
    for who in ("other_patient", "other_sitter"):
        assert count(who).status_code == 403, who
    # Another clinic's clinician gets their own clinic's report, without the patient.
    elsewhere = count("charlie")
    assert elsewhere.status_code == 200, elsewhere.json()
    assert elsewhere.json()["report"]["treated"] == 0
    entry = AuditEntry.objects.filter(object_type="reports.CohortReport").latest("seq")
    assert patient.pk not in entry.detail["ids"]
    own = count("alice")
    assert own.status_code == 200, own.json()
    assert own.json()["report"]["treated"] == 1


# Recalls live at /stock (not under a patient): a lot of clinic A that the patient received,
# recalled, and the patient's recall task. Another clinic's staff get a 404 on the lot and
# the task (an empty list of tasks), patients and sitters a 403 (their role is refused
# before anything is read), and nothing is stored.
RECALL_ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "stock/lots/{lot}/recipients", None),
    ("POST", "stock/lots/{lot}/recall", RECALL),
    ("GET", "stock/recall-tasks", None),
    ("POST", "stock/recall-tasks/{task}/done", {"outcome": OUTCOME}),
]


def test_every_recall_endpoint_is_in_the_table(client):
    document = client.get(f"{API}/openapi.json").json()
    documented = {
        (method.upper(), re.sub(r"\{\w+\}", "{}", path.removeprefix(f"{API}/")))
        for path, operations in document["paths"].items()
        if path.startswith(f"{API}/stock/") and re.search(r"recall|recipients", path)
        for method in operations
    }
    assert documented == {(m, re.sub(r"\{\w+\}", "{}", p)) for m, p, _ in RECALL_ENDPOINTS}


@pytest.fixture
def recalled(clinic, prescriber, pharmacist) -> dict[str, int]:
    with time_machine.travel(NOW, tick=False):
        treated(clinic, prescriber, pharmacist)
        lot = the_lot(clinic)
        recall_lot(pharmacist, lot, recall_spec())
    return {"lot": lot.pk, "task": lot.recall_tasks.get().pk}


@pytest.fixture
def recall_callers(callers, other_pharmacist, as_user) -> dict[str, ApiClient]:
    return {**callers, "other_pharmacist": as_user(other_pharmacist)}


def _recall_state() -> tuple[Any, ...]:
    lots = tuple(Lot.objects.values_list("pk", "recalled_at", "recall_reference"))
    return lots, tuple(RecallTask.objects.values_list("pk", "done_at", "outcome"))


@pytest.mark.parametrize(
    ("method", "path", "body"), RECALL_ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in RECALL_ENDPOINTS]
)
def test_recall_endpoints_validate_ownership(recalled, recall_callers, method, path, body):
    url = path.format(**recalled)
    # Another clinic's staff of a role the row allows: a pharmacist recalls, Charlie calls.
    callers = dict(recall_callers)
    if path.endswith("/recall"):
        callers["charlie"] = callers["other_pharmacist"]

    def call(who: str) -> Any:
        client = callers[who]
        return client.get(url) if method == "GET" else client.request(method, url, body)

    before = _recall_state()
    assert call("anonymous").status_code == 401
    for who in ("other_patient", "other_sitter"):
        assert call(who).status_code == 403, who
    response = call("charlie")
    if path == "stock/recall-tasks":
        assert (response.status_code, response.json()) == (200, [])
    else:
        assert response.status_code == 404, (response.status_code, response.json())
        assert response.json()["code"] == "not_found"
    assert _recall_state() == before
    # The clinic's clinicians read, and record a call (Bob finds Alice's recorded: 409); a
    # clinician recalls no lot (403). Never a 404.
    for who in SEE:
        response = call(who)
        expected = {200} if method == "GET" else {200, 403, 409}
        assert response.status_code in expected, (who, response.status_code, response.json())


# The clinic's stock lives at /stock: lots, their book, receipts, transfers and returns.
# Another clinic's pharmacist or prescriber (roles the rows allow) gets a 404 on a lot or
# a receipt of clinic A and an empty list; patients and sitters a 403 before anything is
# read; and nothing is stored.
STOCK_ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "stock/lots", None),
    ("GET", "stock/lots/{lot}", None),
    ("GET", "stock/receipts", None),
    ("POST", "stock/receipts", STOCK_DELIVERY),
    ("POST", "stock/receipts/{receipt}/verify", {"counted": 100}),
    ("POST", "stock/receipts/{receipt}/reject", {"reason": "Seal broken"}),
    ("POST", "stock/lots/{lot}/transfers", STOCK_TRANSFER),
    ("POST", "stock/lots/{lot}/supplier-returns", STOCK_RETURN),
]
OWN_STOCK = re.compile(r"^stock/(lots(/\{\})?(/transfers|/supplier-returns)?|receipts.*)$")


def test_every_stock_endpoint_is_in_the_table(client):
    document = client.get(f"{API}/openapi.json").json()
    documented = {
        (method.upper(), shape)
        for path, operations in document["paths"].items()
        for shape in [re.sub(r"\{\w+\}", "{}", path.removeprefix(f"{API}/"))]
        if OWN_STOCK.match(shape)
        for method in operations
    }
    assert documented == {(m, re.sub(r"\{\w+\}", "{}", p)) for m, p, _ in STOCK_ENDPOINTS}


@pytest.fixture
def stock_world(callers, pharmacist, prescriber, other_pharmacist, as_user) -> dict[str, Any]:
    """Lot KC-1001 on clinic A's shelf, a receipt of KC-1002 pending, and who calls."""
    with time_machine.travel(NOW, tick=False):
        lot = stock_on_shelf(pharmacist, prescriber).lot
        receipt = stock_received(pharmacist, lot_number="KC-1002")
    clients = {"other": as_user(other_pharmacist), "phil": as_user(pharmacist)}
    clients |= {"priya": as_user(prescriber)}
    return {"ids": {"lot": lot.pk, "receipt": receipt.pk}, "clients": callers | clients}


@pytest.mark.parametrize(
    ("method", "path", "body"), STOCK_ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in STOCK_ENDPOINTS]
)
def test_stock_endpoints_validate_ownership(stock_world, method, path, body):
    url, clients = path.format(**stock_world["ids"]), stock_world["clients"]
    lot = Lot.objects.get(pk=stock_world["ids"]["lot"])

    def call(client: ApiClient) -> Any:
        return client.get(url) if method == "GET" else client.request(method, url, body)

    def state() -> tuple[Any, ...]:
        receipts = tuple(Receipt.objects.values_list("pk", "verified_at", "rejected_at"))
        return tuple(Lot.objects.values_list("pk", "on_hand")), receipts

    before = state()
    assert call(clients["anonymous"]).status_code == 401
    for who in ("other_patient", "other_sitter"):
        assert call(clients[who]).status_code == 403, who
    response = call(clients["other"])
    if "{" in path:
        assert response.status_code == 404, (response.status_code, response.json())
        assert response.json()["code"] == "not_found"
    elif method == "GET":
        assert (response.status_code, response.json()) == (200, [])
    else:  # a receipt of their own clinic's
        assert response.status_code == 201, response.json()
        assert Receipt.objects.get(pk=response.json()["id"]).clinic_id != lot.clinic_id
        Receipt.objects.filter(pk=response.json()["id"]).delete()
        Lot.objects.filter(pk=response.json()["lot_id"]).delete()
    assert state() == before
    response = call(clients["priya" if "verify" in path or "reject" in path else "phil"])
    assert response.status_code in {200, 201}, (response.status_code, response.json())


# Destructions live at /stock: one of clinic A's lots, and a destruction witnessed by its
# prescriber and Alice. Another clinic's pharmacist gets a 404 on the lot and the record
# (an empty list); patients and sitters a 403 before anything is read; nothing is stored.
DESTRUCTION_BODY = {"quantity": 2, "method": "incineration", "reason": "damaged"}
DESTRUCTION_ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    (
        "POST",
        "stock/lots/{lot}/destructions",
        DESTRUCTION_BODY | {"first_witness_id": "{first}", "second_witness_id": "{second}"},
    ),
    ("GET", "stock/destructions", None),
    ("GET", "stock/destructions/{destruction}", None),
    ("POST", "stock/destructions/{destruction}/confirm", None),
]


def test_every_destruction_endpoint_is_in_the_table(client):
    document = client.get(f"{API}/openapi.json").json()
    documented = {
        (method.upper(), re.sub(r"\{\w+\}", "{}", path.removeprefix(f"{API}/")))
        for path, operations in document["paths"].items()
        if path.startswith(f"{API}/stock/") and "destructions" in path
        for method in operations
    }
    tabled = {(m, re.sub(r"\{\w+\}", "{}", p)) for m, p, _ in DESTRUCTION_ENDPOINTS}
    assert documented == tabled


@pytest.fixture
def destruction_world(  # noqa: PLR0913, PLR0917 - the people of the pattern
    clinic, clinician, pharmacist, prescriber, callers, other_pharmacist, as_user
) -> dict[str, Any]:
    lot = lot_of(clinic, lot_number="DESTROY-1")
    done = destroyed(pharmacist, lot, prescriber, clinician)
    ids = {"lot": lot.pk, "destruction": done.pk, "first": prescriber.pk, "second": clinician.pk}
    clients = callers | {"other": as_user(other_pharmacist), "phil": as_user(pharmacist)}
    return {"ids": ids, "clients": clients}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    DESTRUCTION_ENDPOINTS,
    ids=[f"{m} {p}" for m, p, _ in DESTRUCTION_ENDPOINTS],
)
def test_destruction_endpoints_validate_ownership(destruction_world, method, path, body):
    ids, clients = destruction_world["ids"], destruction_world["clients"]
    url = path.format(**ids)

    def call(client: ApiClient) -> Any:
        sent = {} if body is None else _fill(body, ids)
        return client.get(url) if method == "GET" else client.request(method, url, sent)

    def state() -> tuple[Any, ...]:
        rows = Destruction.objects.values_list("pk", "first_confirmed_at", "second_confirmed_at")
        return tuple(rows), tuple(Lot.objects.values_list("pk", "on_hand"))

    before = state()
    assert call(clients["anonymous"]).status_code == 401
    for who in ("other_patient", "other_sitter"):
        assert call(clients[who]).status_code == 403, who
    response = call(clients["other"])
    if "{" in path:
        assert response.status_code == 404, (response.status_code, response.json())
        assert response.json()["code"] == "not_found"
    else:
        assert (response.status_code, response.json()) == (200, [])
    assert state() == before
    # Phil records one; Alice, a witness, reads hers and confirms it. Never a 404.
    response = call(clients["phil" if path.startswith("stock/lots") else "alice"])
    assert response.status_code in {200, 201}, (response.status_code, response.json())
