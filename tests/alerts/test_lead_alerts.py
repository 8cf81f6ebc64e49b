"""An alert about a screening lead (no patient) through the API, the worker and the outbox.

The API answers patient_id and patient_name null and the lead's id; the inbox filters
and a patient's history cope with it; another clinic never sees it.
"""

from __future__ import annotations

from typing import Any

import pytest

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import Alert, AlertCause, AlertStatus, OnCallRoster
from ketacare.alerts.outbox import mark_failed
from ketacare.api.services import issue_token
from ketacare.intake.models import ScreeningLead
from ketacare.patients.models import Patient
from tests.api.conftest import ApiClient
from tests.intake.test_lead_follow_up import ITEM_9, lead_alert, lead_from_screen

pytestmark = pytest.mark.django_db


def _client(user: User) -> ApiClient:
    _, raw = issue_token(user, name="test")
    return ApiClient(raw)


@pytest.fixture
def flagged(clinic: Clinic, roster: OnCallRoster) -> ScreeningLead:
    return lead_from_screen(clinic, ITEM_9)


def _items(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.json()
    return response.json()["items"]  # type: ignore[no-any-return]


def test_the_api_lists_a_leads_alert_with_no_patient(
    clinician: User, patient: Patient, flagged: ScreeningLead
) -> None:
    api = _client(clinician)
    [item] = _items(api.get("alerts"))
    assert item["patient_id"] is None
    assert item["patient_name"] is None
    assert item["lead_id"] == flagged.pk
    assert (item["cause"], item["severity"], item["status"]) == ("suicidal_lead", "urgent", "open")
    assert _items(api.get("alerts", query={"cause": "suicidal_lead"}))[0]["id"] == item["id"]
    assert _items(api.get("alerts", query={"patient_id": patient.pk})) == []
    assert _items(api.get(f"patients/{patient.pk}/alerts")) == []


def test_the_api_acknowledges_and_resolves_a_leads_alert(
    clinician: User, flagged: ScreeningLead
) -> None:
    alert = lead_alert(flagged)
    api = _client(clinician)
    acked = api.post(f"alerts/{alert.pk}/acknowledge", {"note": "Calling."})
    assert acked.status_code == 200, acked.json()
    assert (acked.json()["status"], acked.json()["lead_id"]) == ("acknowledged", flagged.pk)
    done = api.post(f"alerts/{alert.pk}/resolve", {"note": "Spoke to them."})
    assert (done.status_code, done.json()["status"]) == (200, "resolved")


def test_another_clinic_and_patients_never_see_it(
    outsider: User, patient: Patient, flagged: ScreeningLead
) -> None:
    alert = lead_alert(flagged)
    assert _items(_client(outsider).get("alerts")) == []
    assert _client(outsider).post(f"alerts/{alert.pk}/acknowledge", {}).status_code == 404
    assert patient.user is not None
    assert _client(patient.user).get("alerts").status_code == 403
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_the_schema_documents_the_lead(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    fields = schema["components"]["schemas"]["AlertOut"]["properties"]
    assert "screening lead" in fields["lead_id"]["description"]
    assert "null for an alert about a screening lead" in fields["patient_id"]["description"]


def test_a_dead_notification_of_a_leads_alert_raises_its_own_alert(
    flagged: ScreeningLead,
) -> None:
    alert = lead_alert(flagged)
    row = alert.notifications.get()
    row.status, row.claimed_by, row.attempts = "sending", "w1", 99
    row.save()
    assert mark_failed(row, "w1", "SMTP down")
    failed = Alert.objects.get(cause=AlertCause.NOTIFICATION_FAILED)
    assert (failed.patient, failed.lead) == (None, flagged)
