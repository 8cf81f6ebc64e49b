"""The staff side of the at-home interlocks, on a desk screen.

A clinician clears a suicidality hold on the patient's chart, with a note; the clinic's
administrator changes the protocol from the staff navigation, with a reason, and sees
the version with what it loosened.
"""

from __future__ import annotations

from playwright.sync_api import expect

from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.patients.models import ClinicProtocol
from ketacare.treatment.models import DosingClearance
from tests.browser.conftest import Browsers
from tests.browser.helpers import Person, expect_message, login, nav
from tests.browser.states import PATIENT_NAME, clinic_a, stocked
from tests.factories import UserFactory


def test_a_clinician_clears_a_hold_on_the_chart(browsers: Browsers) -> None:
    people = clinic_a()
    patient = stocked(people)
    assert patient.user is not None
    submit_questionnaire(patient.user, patient, questionnaire(instrument="phq9", answers=[1] * 9))
    alice = Person(browsers.page("desktop"), "desktop", photos=True)
    page = alice.page
    login(page, "alice")
    page.goto(f"/workspace/patients/{patient.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(PATIENT_NAME)
    holds = page.get_by_role("region", name="Holds on dosing")
    expect(holds).to_contain_text("Suicidality")
    expect(holds).to_contain_text("an unresolved urgent suicidality alert")
    alice.screen("ws-chart-hold")
    holds.get_by_role("button", name="Clear for dosing").click()  # no note: refused
    expect(page.get_by_text("Error: Say what you reviewed and decided.")).to_be_visible()
    holds = page.get_by_role("region", name="Holds on dosing")
    holds.get_by_label("What you reviewed and decided").fill(
        "Called Jordan: no current intent, safety plan agreed; cleared for tonight."
    )
    holds.get_by_role("button", name="Clear for dosing").click()
    expect_message(page, "Cleared for dosing: suicidality hold")
    expect(page.get_by_role("region", name="Holds on dosing")).to_contain_text("None")
    assert DosingClearance.objects.get().cleared_by == people.alice


def test_the_administrator_changes_the_protocol(browsers: Browsers) -> None:
    people = clinic_a()
    UserFactory(
        clinic=people.clinic,
        clinic_admin=True,
        username="adam",
        first_name="Adam",
        last_name="Director",
    )
    adam = Person(browsers.page("desktop"), "desktop", photos=True)
    page = adam.page
    login(page, "adam")
    nav(page, "Protocol")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Clinic protocol")
    settings = page.get_by_role("table")
    expect(
        settings.get_by_role("row", name="Least time between two at-home doses")
    ).to_contain_text("Spravato label; clinic's choice")  # the source by name, not a section
    page.get_by_label("Least time between two at-home doses (hours)").fill("48")
    page.get_by_label("Why the protocol changes").fill(
        "Medical director: 48 h between doses, as the clinic's choice allows."
    )
    page.get_by_role("button", name="Save a new version").click()
    expect_message(page, "Protocol version 1 is in force.")
    versions = page.get_by_role("region", name="Versions")
    expect(versions).to_contain_text("72 to 48 hours (loosened)")
    adam.screen("ws-protocol")
    assert ClinicProtocol.objects.get().changes == {"min_hours_between_doses": 48}
