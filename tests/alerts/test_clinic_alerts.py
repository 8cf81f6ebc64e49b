"""An alert about the clinic itself (its stock: no patient, no lead) on every alert face.

Raised with a dedupe key and announced to the roster as any alert of its severity; the
inbox, the alert page, acknowledge and resolve, and the API show it as "The clinic's
stock"; another clinic never sees it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import NoReverseMatch, reverse

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import Alert, AlertCause, AlertStatus, Notification, OnCallRoster
from ketacare.alerts.services import raise_alert
from ketacare.api.services import issue_token
from ketacare.patients.models import Patient
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

CLINIC_STOCK = "The clinic&#x27;s stock"


def clinic_alert(clinic: Clinic, *, severity: str = "warning", subject: str = "lot:7") -> Alert:
    return raise_alert(
        clinic=clinic,
        cause=AlertCause.STOCK_DISCREPANCY,
        severity=severity,
        subject=subject,
        title="Stock count differs from the book: lot KC-1001",
        message="98 tablets on the shelf, the book says 100 tablets.",
        detail={"lot_id": 7, "lot_number": "KC-1001"},
    )


def test_an_alert_about_the_clinic_names_no_patient_nor_lead(clinic: Clinic) -> None:
    alert = clinic_alert(clinic)
    assert (alert.clinic_id, alert.patient, alert.lead) == (clinic.pk, None, None)
    assert alert.dedupe_key == "stock_discrepancy:lot:7"
    assert alert.subject_name == "The clinic's stock"
    assert clinic_alert(clinic) == alert  # the same fact: the same open alert


def test_an_urgent_one_pages_the_roster_as_any_alert(
    clinic: Clinic, roster: OnCallRoster, on_call: User
) -> None:
    alert = clinic_alert(clinic, severity="urgent")
    [note] = Notification.objects.filter(alert=alert)
    assert note.recipient == on_call
    assert alert.escalation_level == 1
    assert alert.next_escalation_at is not None


def test_only_a_clinic_cause_is_about_the_clinic(clinic: Clinic, patient: Patient) -> None:
    with pytest.raises(ValueError, match="one of"):
        raise_alert(
            clinic=clinic,
            patient=patient,
            cause=AlertCause.STOCK_LOST,
            severity="warning",
            subject="x",
            title="t",
            message="m",
        )
    with pytest.raises(IntegrityError):  # the CHECK alert_about_patient_lead_or_clinic
        raise_alert(
            clinic=clinic,
            cause=AlertCause.WORSENING,
            severity="warning",
            subject="y",
            title="t",
            message="m",
        )


def _page(user: User, url: str) -> Any:
    client = Client()
    client.force_login(user)
    return client.get(url)


def _stock_link() -> str | None:
    try:
        return reverse("ws-stock-lot", args=[7])
    except NoReverseMatch:
        try:
            return reverse("ws-stock")
        except NoReverseMatch:
            return None


def test_the_inbox_and_the_alert_page_show_the_clinics_stock(
    clinic: Clinic, clinician: User
) -> None:
    alert = clinic_alert(clinic)
    for url in (reverse("ws-alerts"), reverse("ws-alert", args=[alert.pk])):
        response = _page(clinician, url)
        assert response.status_code == 200
        html = response.content.decode()
        assert CLINIC_STOCK in html
        assert "lot KC-1001" in html
        link = _stock_link()
        if link is not None:
            assert f'href="{link}"' in html


def test_the_inbox_acknowledges_and_resolves_it(clinic: Clinic, clinician: User) -> None:
    alert = clinic_alert(clinic)
    client = Client()
    client.force_login(clinician)
    answer = client.post(
        reverse("ws-alert-acknowledge", args=[alert.pk]), {"note": "Counting again."}
    )
    assert answer.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    answer = client.post(
        reverse("ws-alert-resolve", args=[alert.pk]),
        {"note": "Recounted: 100."},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert CLINIC_STOCK in answer.content.decode()
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_note) == (AlertStatus.RESOLVED, "Recounted: 100.")


def test_another_clinic_sees_nothing_of_it(clinic: Clinic, outsider: User) -> None:
    alert = clinic_alert(clinic)
    assert _page(outsider, reverse("ws-alert", args=[alert.pk])).status_code == 404
    assert CLINIC_STOCK not in _page(outsider, reverse("ws-alerts")).content.decode()


def _api(user: User) -> ApiClient:
    return ApiClient(issue_token(user, name="test")[1])


def test_the_api_lists_acknowledges_and_resolves_it(
    clinic: Clinic, clinician: User, patient: Patient
) -> None:
    alert = clinic_alert(clinic)
    api = _api(clinician)
    answer = api.get("alerts", query={"cause": "stock_discrepancy"})
    assert answer.status_code == 200
    [item] = answer.json()["items"]
    assert (item["id"], item["patient_id"], item["lead_id"]) == (alert.pk, None, None)
    assert (item["patient_name"], item["subject_name"]) == (None, "The clinic's stock")
    assert item["detail"] == {"lot_id": 7, "lot_number": "KC-1001"}
    assert api.get("alerts", query={"patient_id": patient.pk}).json()["items"] == []
    acked = api.post(f"alerts/{alert.pk}/acknowledge", {"note": "On it."})
    assert (acked.status_code, acked.json()["status"]) == (200, "acknowledged")
    resolved = api.post(f"alerts/{alert.pk}/resolve", {"note": "Recounted."})
    assert (resolved.status_code, resolved.json()["status"]) == (200, "resolved")


def test_the_api_of_another_clinic_sees_nothing_of_it(clinic: Clinic, outsider: User) -> None:
    alert = clinic_alert(clinic)
    api = _api(outsider)
    assert api.get("alerts").json()["items"] == []
    assert api.post(f"alerts/{alert.pk}/acknowledge", {"note": ""}).status_code == 404
