"""Every portal page renders for its user, with no external URL and the viewport set."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketacare.patients.models import Patient, Sitter
from ketacare.treatment import services
from ketacare.treatment.models import AdverseEvent, Dispense
from ketacare.treatment.specs.sessions import AdverseEventSpec, DoseSpec
from tests.treatment.helpers import ready_session
from tests.web.portal.helpers import external_urls, text

pytestmark = pytest.mark.django_db

SignIn = Callable[[Any], Client]


def _patient_pages(session_id: int, event_id: int) -> list[str]:
    by_session = {"session_id": session_id}
    return [
        reverse("portal-today"),
        reverse("portal-session-start"),
        reverse("portal-session", kwargs=by_session),
        reverse("portal-session-status", kwargs=by_session),
        reverse("portal-check-in", kwargs=by_session),
        reverse("portal-adverse-event", kwargs=by_session),
        reverse("portal-adverse-event-any"),
        reverse("portal-adverse-event-done", kwargs={"event_id": event_id}),
        reverse("portal-sessions"),
        reverse("portal-medication"),
        reverse("portal-consent"),
    ]


def test_every_patient_page_renders(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    session = ready_session(approved.user, approved)
    services.record_dose_taken(approved.user, session, DoseSpec(dose_mg=100))
    event = services.report_adverse_event(
        approved.user,
        approved,
        AdverseEventSpec(
            description="Headache", severity="mild", serious=False, outcome="recovering"
        ),
    )
    client = signed_in(approved.user)
    for url in _patient_pages(session.pk, event.pk):
        response = client.get(url)
        assert response.status_code == 200, url
        html = text(response)
        assert external_urls(html) == [], url
        if "<html" in html:
            assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
            assert "ketacare/portal.css" in html, url
            assert 'href="tel:' in html, url  # the crisis or emergency numbers


def test_the_pages_render_for_a_patient_without_a_plan(signed_in: SignIn, patient: Patient) -> None:
    client = signed_in(patient.user)
    for name in ("portal-today", "portal-session-start", "portal-sessions", "portal-medication"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
    assert "There is no session to start right now" in text(
        client.get(reverse("portal-session-start"))
    )
    medication = text(client.get(reverse("portal-medication")))
    assert "You have no current treatment plan." in medication
    assert "No medication recorded yet." in medication
    assert "tablet" not in medication
    assert not AdverseEvent.objects.exists()


def test_every_sitter_page_renders(signed_in: SignIn, robin: Sitter, approved: Patient) -> None:
    client = signed_in(robin.user)
    for url in (
        reverse("sitter-home"),
        reverse("sitter-session", kwargs={"patient_id": approved.pk}),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = text(response)
        assert external_urls(html) == []
        assert f'href="tel:{approved.clinic.emergency_number}"' in html


def test_the_header_keeps_the_main_links_apart_from_who_is_signed_in(
    signed_in: SignIn, approved: Patient
) -> None:
    # On a phone the links make one row and the name and "Sign out" a small line beside
    # the brand (site.css): the main navigation holds the links only.
    html = text(signed_in(approved.user).get(reverse("portal-today")))
    header = html[html.index('<header class="top">') : html.index("</header>")]
    nav = header[header.index('<nav aria-label="Main">') : header.index("</nav>")]
    # ("My record" went with /me/: the record's page is the portal's Today.)
    for link in ("Today", "Progress", "Sessions"):
        assert f">{link}</a>" in nav
    assert "Sign out" not in nav
    assert approved.user.display_name not in nav
    account = header[header.index('<div class="account">') :]
    assert f'<span class="who">{approved.user.display_name} · ' in account
    assert '<button type="submit" class="link">Sign out</button>' in account
