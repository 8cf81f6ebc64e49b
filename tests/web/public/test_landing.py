"""The landing page: the program explained honestly, crisis numbers always in sight."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from ketacare.accounts.models import Clinic
from ketacare.audit.models import AuditEntry
from tests.factories import ClinicFactory
from tests.web.public.helpers import external_urls, html


def test_the_landing_page_explains_the_program(client: Client, clinic: Clinic) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = html(response)
    assert "<h1" in page
    assert "At-home ketamine treatment" in page
    # What it is, how fast, who it may suit.
    assert "anaesthetic" in page
    assert "within hours or days" in page
    assert "treatment-resistant depression" in page
    assert "post-traumatic stress disorder (PTSD)" in page
    # The risks.
    for risk in (
        "dissociation",
        "Dizziness",
        "Nausea",
        "vomiting",
        "Raised blood pressure",
        "Misuse and addiction",
    ):
        assert risk in page, risk
    # The routes, at home, with a sitter; nothing by drip or injection.
    assert "Tablets under the tongue" in page
    assert "A nasal spray" in page
    assert "We do not give ketamine by drip (intravenous infusion) or by injection." in page
    assert "A sitter is with you for every session" in page
    assert "at least 2 hours after the dose" in page
    # Before, during, after a session.
    assert "Fast before the dose" in page
    assert "About 40 minutes after the dose, you check your blood pressure again." in page
    assert "2 hours after the dose, you check in with the app" in page
    assert "If you have not checked in 2.5 hours after the dose" in page
    assert "your sitter confirms that you are alert and well" in page
    assert "<strong>No driving</strong> until the next day" in page


def test_the_landing_page_leads_to_the_self_screen_and_to_sign_in(
    client: Client, clinic: Clinic
) -> None:
    page = html(client.get("/"))
    assert 'href="/screen/">Is ketamine treatment right for you?' in page
    assert 'href="/login/">Sign in</a>' in page


def test_the_crisis_numbers_come_from_the_clinic(client: Client, clinic: Clinic) -> None:
    clinic.emergency_number = "999"
    clinic.save()
    page = html(client.get("/"))
    banner = page.index('class="crisis-banner"')
    assert banner < page.index("<h1")  # before anything else on the page
    assert '<a href="tel:999">999</a> or your local emergency number' in page


def test_without_a_clinic_to_name_the_page_says_local_emergency_number(client: Client) -> None:
    page = html(client.get("/"))
    assert "call your local emergency number." in page
    assert "tel:" not in page


def test_with_several_clinics_the_setting_names_the_public_one(client: Client) -> None:
    ClinicFactory(name="North", emergency_number="112")
    south = ClinicFactory(name="South", emergency_number="000")
    assert "tel:" not in html(client.get("/"))  # two clinics and no setting: none named
    with override_settings(KETACARE_PUBLIC_CLINIC=south.pk):
        page = html(client.get("/"))
    assert '<a href="tel:000">000</a>' in page
    assert "South treats adults" in page


@override_settings(KETACARE_CRISIS_LINE="988")
def test_a_configured_crisis_line_is_shown(client: Client, clinic: Clinic) -> None:
    assert 'the crisis line <a href="tel:988">988</a>' in html(client.get("/"))


@pytest.mark.parametrize("path", ["/", "/screen/", "/login/"])
def test_public_pages_load_nothing_from_another_host(
    client: Client, clinic: Clinic, path: str
) -> None:
    page = html(client.get(path))
    assert external_urls(page) == []
    assert "http://" not in page
    assert "https://" not in page


def test_reading_the_landing_page_stores_nothing(client: Client, clinic: Clinic) -> None:
    client.get("/")
    assert not AuditEntry.objects.exists()
