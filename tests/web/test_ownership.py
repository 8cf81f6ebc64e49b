"""Every page that takes a record's id refuses another clinic's and another patient's record.

One patient, Pat, of clinic A has one of everything a page can name: a session with its
dose, an adverse event, a questionnaire response, an alert, a sitter, and clinic A has a
screening lead. Every URL pattern of the site with an id in it is then asked for by:

- a member of clinic B holding every staff role: 404 (405 for a method the page never
  takes, whatever the record);
- another patient of clinic A: refused exactly as for an id that does not exist (so the
  answer never tells that the record exists), and never served;
- the pattern list itself is checked so a new page with an id can't escape this test.

Nothing is changed by the refused requests (POST endpoints included).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Role
from ketacare.alerts.models import Alert, AlertCause, AlertSeverity
from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.audit.models import AuditEntry
from ketacare.intake.models import ScreeningLead
from ketacare.notes.models import Note
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.pharmacy.models import Destruction, Lot, MovementKind, RecallTask, Receipt
from ketacare.treatment import services
from ketacare.treatment.models import AdverseEvent, DosingSession
from ketacare.treatment.specs.sessions import AdverseEventSpec, DoseSpec
from tests.factories import NoteFactory, PatientFactory, SitterFactory, UserFactory
from tests.pharmacy.destroying import destroyed
from tests.pharmacy.recalling import recalled_task
from tests.pharmacy.receiving import received
from tests.reports.inspection_helpers import missing_at_a_count, move
from tests.treatment.helpers import NOW, fill, plan_for, prescribe, ready_session

pytestmark = pytest.mark.django_db

# Every id a URL of the web pages can carry, and the record of Pat's it names here.
ID_KWARGS = (
    "patient_id",
    "session_id",
    "event_id",
    "response_id",
    "alert_id",
    "lead_id",
    "note_id",
    "prescription_id",
    "movement_id",
    "lot_id",
    "destruction_id",
    "receipt_id",
    "discrepancy_id",
    "task_id",
)
MISSING_ID = 987_654


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _web_patterns() -> list[tuple[str, str]]:
    """(route, name) of every page outside the admin and the JSON API."""
    found: list[tuple[str, str]] = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif pattern.name:
                found.append((prefix + str(pattern.pattern), pattern.name))

    walk(get_resolver().url_patterns, "")
    # /fhir routes have their own table: tests/api/fhir/test_ownership.py.
    return [(r, n) for r, n in found if not r.startswith(("admin/", "api/", "fhir/"))]


def _with_ids() -> list[tuple[str, list[str]]]:
    patterns = []
    for route, name in _web_patterns():
        kwargs = [k for k in ID_KWARGS if f"<int:{k}>" in route]
        if kwargs:
            patterns.append((name, kwargs))
    return patterns


ID_PAGES = _with_ids()


def test_every_id_in_a_web_url_is_one_this_test_knows() -> None:
    routes = [route for route, _ in _web_patterns() if "<int:" in route]
    unknown = [r for r in routes if not any(f"<int:{k}>" in r for k in ID_KWARGS)]
    assert unknown == []
    assert len(ID_PAGES) >= 20  # the patient, portal, workspace and care pages


@pytest.fixture
def records(clinic: Clinic, prescriber: User, pharmacist: User) -> dict[str, int]:
    pat = PatientFactory(
        clinic=clinic, with_account=True, phase=Phase.APPROVED.value, legal_name="Pat Owner"
    )
    SitterFactory(clinic=clinic, patients=[pat], name="Robin Sitter")
    plan_for(prescriber, pat)
    rx = prescribe(prescriber, pat)
    fill(pharmacist, rx)
    session = services.record_dose_taken(
        pat.user, ready_session(pat.user, pat), DoseSpec(dose_mg=100)
    )
    event = services.report_adverse_event(
        pat.user,
        pat,
        AdverseEventSpec(
            description="Felt sick after the dose",
            severity="mild",
            serious=False,
            outcome="resolved",
            session_id=session.pk,
        ),
    )
    response = submit_questionnaire(
        pat.user, pat, questionnaire(instrument="phq9", answers=[1] * 9)
    )
    alert = Alert.objects.create(
        clinic=clinic,
        patient=pat,
        cause=AlertCause.WORSENING,
        severity=AlertSeverity.WARNING,
        dedupe_key="ownership-test",
        title="Worse than at baseline",
        message="",
        raised_at=NOW,
    )
    lead = ScreeningLead.objects.create(
        clinic=clinic,
        name="Lee Lead",
        phone="+15555550123",
        result="may_be_candidate",
        phq9_total=15,
        suicidal_thoughts=False,
        consent_version="1",
    )
    return {
        "patient_id": pat.pk,
        "session_id": session.pk,
        "event_id": event.pk,
        "response_id": response.pk,
        "alert_id": alert.pk,
        "lead_id": lead.pk,
        "note_id": NoteFactory(patient=pat, signed=True).pk,
        "prescription_id": rx.pk,
        # A loss of the clinic's stock: its theft or loss report draft.
        "movement_id": move(
            Lot.objects.get(clinic=clinic), MovementKind.LOST_OR_STOLEN, -1, pharmacist, NOW
        ).pk,
        "discrepancy_id": missing_at_a_count(Lot.objects.get(clinic=clinic), pharmacist).pk,
        "lot_id": Lot.objects.get(clinic=clinic).pk,
        # A destruction of the lot's units, before two witnesses (none confirmed yet).
        "destruction_id": destroyed(
            pharmacist,
            Lot.objects.get(clinic=clinic),
            prescriber,
            UserFactory(clinic=clinic, clinician=True),
        ).pk,
        # A receipt of stock awaiting a second person (a lot of its own).
        "receipt_id": received(pharmacist, lot_number="KC-OWN-1").pk,
        # Pat's recall task: Pat received units of a lot of its own, recalled.
        "task_id": recalled_task(pat, pharmacist),
    }


def _url(name: str, kwargs: list[str], ids: dict[str, int]) -> str:
    return reverse(name, kwargs={k: ids[k] for k in kwargs})


def _ask(client: Client, url: str) -> tuple[int, int]:
    """The GET and the POST (empty form) answers' status codes."""
    return client.get(url).status_code, client.post(url, {}).status_code


def _state() -> dict[str, Any]:
    """What a refused request must not change."""
    return {
        "sessions": list(DosingSession.objects.values_list("pk", "status", "taken_at")),
        "events": AdverseEvent.objects.count(),
        "alerts": list(Alert.objects.values_list("pk", "status")),
        "leads": list(ScreeningLead.objects.values_list("pk", "status")),
        "patients": list(Patient.objects.values_list("pk", "phase", "updated_at")),
        "notes": list(Note.objects.values_list("pk", "body", "signed_at", "updated_at")),
        "destructions": list(
            Destruction.objects.values_list("pk", "first_confirmed_at", "second_confirmed_at")
        ),
        "receipts": list(Receipt.objects.values_list("pk", "verified_at", "rejected_at")),
        "lots": list(Lot.objects.values_list("pk", "on_hand")),
        "recalls": list(Lot.objects.values_list("pk", "recalled_at", "recall_reference")),
        "recall_tasks": list(RecallTask.objects.values_list("pk", "done_at", "outcome")),
    }


@pytest.mark.parametrize(("name", "kwargs"), ID_PAGES, ids=[n for n, _ in ID_PAGES])
def test_another_clinics_staff_get_404(
    client: Client, other_clinic: Clinic, records: dict[str, int], name: str, kwargs: list[str]
) -> None:
    everything = UserFactory(
        clinic=other_clinic,
        is_staff=True,
        roles=[Role.CLINICIAN, Role.PRESCRIBER, Role.PHARMACIST, Role.COORDINATOR, Role.ADMIN],
    )
    client.force_login(everything)
    before = _state()
    answers = _ask(client, _url(name, kwargs, records))
    # 405 is the method the page doesn't take (whatever the record); the other is a 404.
    assert 404 in answers
    assert set(answers) <= {404, 405}
    assert _state() == before


@pytest.mark.parametrize(("name", "kwargs"), ID_PAGES, ids=[n for n, _ in ID_PAGES])
def test_another_patient_is_refused_as_if_the_record_did_not_exist(
    client: Client, clinic: Clinic, records: dict[str, int], name: str, kwargs: list[str]
) -> None:
    other = PatientFactory(clinic=clinic, with_account=True, phase=Phase.APPROVED.value)
    client.force_login(other.user)
    before = _state()
    audited = AuditEntry.objects.filter(patient_id=records["patient_id"]).count()
    theirs = _ask(client, _url(name, kwargs, records))
    missing = _ask(client, _url(name, kwargs, dict.fromkeys(records, MISSING_ID)))
    assert theirs == missing
    assert set(theirs) <= {403, 404, 405}
    assert _state() == before
    # No read of Pat's record was made on the other patient's behalf.
    assert AuditEntry.objects.filter(patient_id=records["patient_id"]).count() == audited
