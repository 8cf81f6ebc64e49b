"""My sessions and my medication balance."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketacare.audit.models import AuditAction
from ketacare.patients.models import Patient
from ketacare.treatment import services
from ketacare.treatment.models import Dispense
from ketacare.treatment.specs.sessions import DoseSpec
from tests.treatment.helpers import ready_session
from tests.web.helpers import audit
from tests.web.portal.helpers import external_urls, text

pytestmark = pytest.mark.django_db

SignIn = Callable[[Any], Client]


def test_my_sessions_lists_date_dose_gate_and_check_in(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    failed = ready_session(approved.user, approved, systolic_mmhg=170, diastolic_mmhg=95)
    dosed = ready_session(approved.user, approved)
    services.record_dose_taken(approved.user, dosed, DoseSpec(dose_mg=100))
    response = signed_in(approved.user).get(reverse("portal-sessions"))
    assert response.status_code == 200
    html = text(response)
    assert "Monday 3 March 2025" in html
    assert "Not passed: no dose" in html
    assert "100 mg at 18:00" in html
    # The check-in opens when the 2 h observation ends, and is due 30 min later.
    assert "Opens at 20:00, due by 20:30" in html
    assert external_urls(html) == []
    entry = audit(action=AuditAction.LIST, object_type="treatment.DosingSession")[-1]
    assert set(entry.detail["ids"]) == {failed.pk, dosed.pk}


def test_another_patients_sessions_are_not_listed(
    signed_in: SignIn, approved: Patient, stocked: Dispense, other_patient: Patient
) -> None:
    ready_session(approved.user, approved)
    html = text(signed_in(other_patient.user).get(reverse("portal-sessions")))
    assert "No sessions yet." in html


def test_my_medication_shows_the_balance_in_units(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    session = ready_session(approved.user, approved)
    services.record_dose_taken(approved.user, session, DoseSpec(dose_mg=100))
    response = signed_in(approved.user).get(reverse("portal-medication"))
    assert response.status_code == 200
    html = text(response)
    # The product's own word (troches), never the ledger's "tablets".
    assert "You should have <strong>6 troches</strong> at home." in html
    assert "Each session you take 2 troches (100 mg), so this is enough for 3 sessions." in html
    assert "Dispensed, +8\u00a0troches" in html
    assert "Taken, \u22122\u00a0troches" in html
    assert "tablet" not in html
    assert audit(action=AuditAction.READ, object_type="treatment.LedgerAccount")


@pytest.mark.parametrize("name", ["portal-sessions", "portal-medication"])
def test_staff_get_a_404(signed_in: SignIn, outsider: Any, clinician: Any, name: str) -> None:
    assert signed_in(outsider).get(reverse(name)).status_code == 404
    assert signed_in(clinician).get(reverse(name)).status_code == 404
