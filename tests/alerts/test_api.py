"""The alert inbox API, and `ketacare worker --once` on the demo data seen through it."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import Alert, AlertCause, AlertSeverity, AlertStatus
from ketacare.alerts.services import raise_alert
from ketacare.api.services import issue_token
from ketacare.patients.models import Patient
from tests.alerts.helpers import DOSE_AT, dosed_session
from tests.api.conftest import ApiClient
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def _client(user: User) -> ApiClient:
    _, raw = issue_token(user, name="test")
    return ApiClient(raw)


def _raise(patient: Patient, severity: str, subject: str, cause: str = "adverse_event") -> Alert:
    return raise_alert(
        patient=patient,
        cause=cause,
        severity=severity,
        subject=subject,
        title=f"{cause} {subject}",
        message="",
    )


@pytest.fixture
def inbox(patient: Patient) -> dict[str, Alert]:
    other = PatientFactory(clinic=patient.clinic)
    made = {}
    for n, (who, severity) in enumerate(
        [(patient, "warning"), (other, "urgent"), (patient, "emergency"), (patient, "urgent")]
    ):
        with time_machine.travel(DOSE_AT + timedelta(minutes=n), tick=False):
            made[f"{severity}{n}"] = _raise(who, severity, f"s:{n}")
    return made


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.json()
    return [a["id"] for a in response.json()["items"]]


def test_inbox_orders_by_severity_then_age_and_filters(
    clinician: User, patient: Patient, inbox: dict[str, Alert]
) -> None:
    api = _client(clinician)
    assert _ids(api.get("alerts")) == [
        inbox["emergency2"].pk,
        inbox["urgent1"].pk,  # raised before urgent3
        inbox["urgent3"].pk,
        inbox["warning0"].pk,
    ]
    assert _ids(api.get("alerts", query={"severity": "urgent"})) == [
        inbox["urgent1"].pk,
        inbox["urgent3"].pk,
    ]
    assert _ids(api.get("alerts", query={"patient_id": patient.pk})) == [
        inbox["emergency2"].pk,
        inbox["urgent3"].pk,
        inbox["warning0"].pk,
    ]
    assert _ids(api.get("alerts", query={"status": "resolved"})) == []
    page = api.get("alerts", query={"limit": 1, "offset": 1}).json()
    assert (page["count"], [a["id"] for a in page["items"]]) == (4, [inbox["urgent1"].pk])
    item = api.get("alerts").json()["items"][0]
    assert item["patient_name"] == patient.legal_name
    assert item["cause"] == "adverse_event"
    assert api.get("alerts", query={"severity": "dire"}).status_code == 422


def test_acknowledge_and_resolve(clinician: User, colleague: User, inbox: dict[str, Alert]) -> None:
    alert = inbox["urgent3"]
    acked = _client(clinician).post(f"alerts/{alert.pk}/acknowledge", {"note": "Calling."})
    assert acked.status_code == 200, acked.json()
    body = acked.json()
    assert (body["status"], body["acknowledged_by_id"], body["acknowledged_note"]) == (
        "acknowledged",
        clinician.pk,
        "Calling.",
    )
    assert body["next_escalation_at"] is None
    again = _client(colleague).post(f"alerts/{alert.pk}/acknowledge", {})
    assert (again.status_code, again.json()["code"]) == (409, "alert_state")
    no_note = _client(colleague).post(f"alerts/{alert.pk}/resolve", {"note": " "})
    assert no_note.status_code == 422
    assert no_note.json()["errors"][0]["field"] == "body.note"
    assert _client(colleague).post(f"alerts/{alert.pk}/resolve", {}).status_code == 422
    done = _client(colleague).post(f"alerts/{alert.pk}/resolve", {"note": "All well."})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["resolved_by_id"]) == ("resolved", colleague.pk)
    twice = _client(clinician).post(f"alerts/{alert.pk}/resolve", {"note": "x"})
    assert twice.status_code == 409
    # An open alert may be resolved without acknowledging it first.
    direct = _client(clinician).post(f"alerts/{inbox['warning0'].pk}/resolve", {"note": "Seen."})
    assert direct.json()["status"] == "resolved"
    assert _client(clinician).post("alerts/999999/acknowledge", {}).status_code == 404


def test_patient_history_newest_first(
    clinician: User, patient: Patient, inbox: dict[str, Alert]
) -> None:
    history = _ids(_client(clinician).get(f"patients/{patient.pk}/alerts"))
    assert history == [inbox["urgent3"].pk, inbox["emergency2"].pk, inbox["warning0"].pk]


def test_worker_once_on_the_demo_data(clinician: User) -> None:
    """`ketacare worker --once` on the demo clinic plus a session with no check-in."""
    with time_machine.travel(DOSE_AT - timedelta(days=1), tick=False):
        call_command("demo", "--patients", "12", stdout=StringIO())
    demo = Clinic.objects.get(name__icontains="demo")
    with time_machine.travel(DOSE_AT, tick=False):
        session = dosed_session(demo)
    out = StringIO()
    with time_machine.travel(DOSE_AT + timedelta(hours=2, minutes=31), tick=False):
        call_command("worker", "--once", stdout=out)
    assert "missed check-ins raised: 1" in out.getvalue()
    alerts = Alert.objects.filter(clinic=demo)
    causes = set(alerts.values_list("cause", flat=True))
    assert AlertCause.MISSED_CHECK_IN in causes
    # Plausible: alerts of the demo clinic's patients, with titles; the demo's history
    # was dealt with (resolved with a note), the new ones are open.
    assert set(alerts.values_list("status", flat=True)) <= {AlertStatus.OPEN, AlertStatus.RESOLVED}
    # (A demo self-screen visitor with thoughts of self-harm has an alert with no patient.)
    assert all(a.title and (a.patient or a.lead).clinic_id == demo.pk for a in alerts)
    assert all(a.resolved_note for a in alerts.filter(status=AlertStatus.RESOLVED))
    missed = alerts.get(cause=AlertCause.MISSED_CHECK_IN)
    assert missed.severity == AlertSeverity.URGENT
    assert missed.patient_id == session.patient_id
    # Visible through the API to the demo clinic's clinician, not to another clinic's.
    demo_clinician = User.objects.get(clinic=demo, username__endswith="dr.chen")
    listed = _client(demo_clinician).get("alerts").json()
    assert listed["count"] == alerts.count()
    assert "missed_check_in" in [item["cause"] for item in listed["items"]]
    assert _client(clinician).get("alerts").json()["count"] == 0
