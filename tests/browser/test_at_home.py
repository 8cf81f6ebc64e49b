"""One at-home session as the patient and the sitter see it, each on their own 360 px phone.

(a) Jordan opens the checklist before Robin has confirmed; Robin confirms from their own
sign-in on their phone; Jordan answers the checklist (the follow-up questions about
thoughts of suicide show only after a yes), takes the dose, enters the blood pressure
at about 40 minutes (high, then again 15 minutes later), checks in when the observation
ends, and Robin ends the window.
(b) A PHQ-9 with item 9 answered earlier that day holds the checklist: crisis help
comes first, before the reasons.

The server's clock is frozen (time-machine in this process, where the live server runs)
and moved step by step: no test waits for time to pass. With KETACARE_SCREENSHOTS=1 the
screens are written to docs/screenshots/.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from ketacare.alerts.models import Alert, AlertCause
from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.clinical import instruments
from ketacare.clinical.safety import clock_time
from ketacare.treatment import services
from ketacare.treatment.models import DosingSession, PostDoseReading, SessionStatus
from tests.browser.conftest import Browsers
from tests.browser.helpers import (
    Person,
    answer_checklist,
    choose,
    expect_message,
    login,
    nav,
)
from tests.browser.states import PATIENT_NAME, SITTER_NAME, Clinicians, clinic_a, stocked


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    """The server's clock, frozen at the start of the minute and moved by the test.

    Near the real time: the browser drops a sign-in cookie whose (8-hour) life has ended.
    """
    with time_machine.travel(timezone.now().replace(second=0, microsecond=0), tick=False) as c:
        yield c


def _local(people: Clinicians, at: dt.datetime | None) -> str:
    """`at` as the page shows it on the patient's clock: the day is named after midnight."""
    assert at is not None
    return clock_time(at, ZoneInfo(people.patient.timezone), timezone.now())


def _open_sitter_page(robin: Person) -> None:
    login(robin.page, "robin")
    nav(robin.page, "Sitting")
    robin.page.get_by_role("link", name=f"Open {PATIENT_NAME}'s session").click()
    expect(robin.page.get_by_role("heading", level=1)).to_have_text(f"Sitting for {PATIENT_NAME}")


def _sitter_fact(page: Page, term: str) -> str:
    """The sitter page's answer to `term` (its list of facts)."""
    return page.locator(f'dt:text-is("{term}") + dd').inner_text()


def _before_the_sitter_confirms(jordan: Person) -> None:
    page = jordan.page
    login(page, "jordan")
    page.goto("/portal/")
    page.get_by_role("link", name="Start the pre-dose checklist").click()
    sitter = page.get_by_role("region", name="Your sitter")
    expect(sitter).to_contain_text(f"Ask {SITTER_NAME} to confirm from their own ketacare sign-in")
    expect(sitter.get_by_role("button", name=f"Text {SITTER_NAME} a code")).to_be_visible()
    jordan.screen("portal-checklist-sitter")


def _the_sitter_confirms(robin: Person) -> None:
    _open_sitter_page(robin)
    robin.page.get_by_role("button", name=f"I am with {PATIENT_NAME} now").click()
    expect_message(robin.page, "You confirmed being with them at")
    assert "Confirmed by Robin Sitter" in _sitter_fact(robin.page, "A sitter with them today")
    robin.screen("sitter-confirmed")


def _checklist_and_dose(jordan: Person, people: Clinicians) -> DosingSession:
    page = jordan.page
    page.get_by_role("link", name="Check again").click()
    sitter = page.get_by_role("region", name="Your sitter")
    expect(sitter).to_contain_text(f"{SITTER_NAME} confirmed being with you at")
    follow_up = page.get_by_role("group", name="Have you thought about how you might do this?")
    expect(follow_up).to_be_hidden()  # asked only after a yes
    choose(page, re.compile("any thoughts of killing yourself"), "Yes")
    expect(follow_up).to_be_visible()
    choose(page, re.compile("any thoughts of killing yourself"), "No")
    expect(follow_up).to_be_hidden()
    answer_checklist(page, "124", "78")
    # The checklist passed: the dose, in the product's words.
    expect(page.get_by_text("Checklist passed")).to_be_visible()
    expect(page.get_by_text("2 troches of 50 mg").first).to_be_visible()
    jordan.screen("portal-session-ready")
    page.get_by_role("button", name="I am taking my dose now").click()
    expect_message(page, "Your dose is recorded")
    session = DosingSession.objects.get(patient=people.patient)
    assert session.status == SessionStatus.DOSED
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text(f"Due at {_local(people, session.bp_due_at)}")
    expect(timeline).to_contain_text(f"Opens at {_local(people, session.observation_ends_at)}")
    expect(page.get_by_role("link", name="Check in now")).to_have_count(0)
    expect(timeline).to_contain_text("Until then, rest and stay with your sitter.")
    return session


def _the_sitter_sees_the_dose(robin: Person) -> None:
    """What is done and when the rest is due, never a value."""
    robin.page.reload()
    assert "Dose taken at" in _sitter_fact(robin.page, "Today's session")
    assert "Not done yet" in _sitter_fact(robin.page, "Blood pressure after the dose")
    expect(robin.page.get_by_role("button", name=re.compile("I cannot confirm"))).to_be_visible()


def _the_blood_pressure(
    jordan: Person, robin: Person, clock: time_machine.Coordinates, session: DosingSession
) -> None:
    """About 40 minutes after the dose: high, so again 15 minutes later."""
    page = jordan.page
    timeline = page.locator(".timeline")
    clock.shift(dt.timedelta(minutes=40))
    page.reload()
    expect(page.get_by_role("heading", name="Your blood pressure after the dose")).to_be_visible()
    page.get_by_label("Blood pressure: top number (systolic)").fill("150")
    page.get_by_label("Blood pressure: bottom number (diastolic)").fill("95")
    page.get_by_role("button", name="Save my blood pressure").click()
    expect_message(page, "Your blood pressure is saved")
    expect(timeline).to_contain_text("Your blood pressure is higher than it should be.")
    expect(timeline).to_contain_text("Measure again at")
    jordan.screen("portal-session-reading-high")
    robin.page.reload()
    assert "150" not in robin.page.locator("main").inner_text()
    clock.shift(dt.timedelta(minutes=15))
    page.get_by_label("Blood pressure: top number (systolic)").fill("134")
    page.get_by_label("Blood pressure: bottom number (diastolic)").fill("86")
    page.get_by_role("button", name="Save my blood pressure").click()
    expect(timeline).to_contain_text("134/86 mmHg. That is as expected.")
    assert PostDoseReading.objects.filter(session=session).count() == 2


def _the_check_in(jordan: Person, clock: time_machine.Coordinates, session: DosingSession) -> None:
    """The observation has ended: the check-in opens, with a blood pressure."""
    page = jordan.page
    clock.move_to(session.observation_ends_at)
    page.reload()
    jordan.screen("portal-session-check-in-open")
    page.get_by_role("link", name="Check in now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How are you after your dose?")
    jordan.screen("portal-check-in")
    choose(page, "How do you feel now?", "Well")
    effects = page.get_by_role("group", name=re.compile("Have you noticed any of these"))
    effects.get_by_label("Nausea").check()
    page.get_by_label("Blood pressure now: top number (systolic)").fill("128")
    page.get_by_label("Blood pressure now: bottom number (diastolic)").fill("82")
    for item in instruments.get("cadss6").items:
        choose(page, item.text, "Slightly")
    page.get_by_role("button", name="Send my check-in").click()
    expect_message(page, "Your check-in is saved")
    expect(page.get_by_text(f"Ask {SITTER_NAME} to confirm you are alert and well")).to_be_visible()
    jordan.screen("portal-session-checked-in")


def _the_sitter_ends_the_window(robin: Person) -> None:
    robin.page.reload()
    assert "Done" in _sitter_fact(robin.page, "Check-in")
    release = robin.page.get_by_role("region", name=f"Is {PATIENT_NAME} alert and stable?")
    expect(release).to_contain_text("the clinic's on-call clinician is paged at once")
    robin.screen("sitter-release")
    choose(release, f"Is {PATIENT_NAME} alert and stable?", "Yes")
    release.get_by_role("button", name="Send my answer").click()
    expect_message(robin.page, "The observation after")
    assert "Ended" in _sitter_fact(robin.page, "End of the observation")
    robin.screen("sitter-view")


def test_an_at_home_session_on_two_phones(
    browsers: Browsers, clock: time_machine.Coordinates
) -> None:
    people = clinic_a()
    patient = stocked(people)
    jordan = Person(browsers.page("phone"), "phone", photos=True)
    robin = Person(browsers.page("phone"), "phone", photos=True)

    _before_the_sitter_confirms(jordan)
    _the_sitter_confirms(robin)  # on their own phone
    clock.shift(dt.timedelta(minutes=2))
    session = _checklist_and_dose(jordan, people)
    _the_sitter_sees_the_dose(robin)
    _the_blood_pressure(jordan, robin, clock, session)
    _the_check_in(jordan, clock, session)
    clock.shift(dt.timedelta(minutes=5))
    _the_sitter_ends_the_window(robin)

    jordan.page.reload()
    expect(jordan.page.get_by_role("heading", name="Your session is over")).to_be_visible()
    expect(jordan.page.locator("main")).to_contain_text("until tomorrow, after you have slept")
    jordan.screen("portal-session-released")
    session.refresh_from_db()
    assert (session.status, session.release_stable) == (SessionStatus.RELEASED, True)
    assert session.released_by_sitter == people.sitter
    # The first reading was high: the care team was told; the sitter's release paged no one.
    causes = set(Alert.objects.filter(patient=patient).values_list("cause", flat=True))
    assert AlertCause.BP_RISE_AFTER_DOSE in causes
    assert AlertCause.SITTER_NOT_RELEASED not in causes


def test_a_session_held_over_thoughts_of_suicide_shows_crisis_help_first(
    browsers: Browsers, clock: time_machine.Coordinates
) -> None:
    people = clinic_a()
    patient = stocked(people)
    assert patient.user is not None
    assert people.sitter.user is not None
    # Earlier that day, a PHQ-9 with item 9 answered "several days": an open alert.
    clock.shift(dt.timedelta(minutes=30))  # after the intake's own PHQ-9
    submit_questionnaire(patient.user, patient, questionnaire(instrument="phq9", answers=[1] * 9))
    clock.shift(dt.timedelta(hours=3))
    services.confirm_sitter_presence(people.sitter.user, patient)

    jordan = Person(browsers.page("phone"), "phone", photos=True)
    page = jordan.page
    login(page, "jordan")
    page.goto("/portal/session/start/")
    answer_checklist(page, "124", "78")

    crisis = page.get_by_role("alert").filter(has_text="Please talk to someone now")
    expect(crisis).to_be_visible()
    expect(crisis.get_by_role("link", name=people.clinic.emergency_number)).to_be_visible()
    expect(crisis.get_by_role("link", name=people.clinic.on_call_phone)).to_be_visible()
    reasons = page.locator("ol.findings")
    expect(reasons).to_contain_text("What you told us about thoughts of death or suicide.")
    # Crisis help first: above the reasons on screen, and before them for a screen reader.
    crisis_box, reasons_box = crisis.bounding_box(), reasons.bounding_box()
    assert crisis_box is not None
    assert reasons_box is not None
    assert crisis_box["y"] + crisis_box["height"] <= reasons_box["y"]
    first = page.locator("main [role=alert]").first
    expect(first).to_contain_text("Please talk to someone now")
    expect(page.locator("main")).not_to_contain_text("C-SSRS")
    expect(page.locator("main")).not_to_contain_text("PHQ-9")
    jordan.screen("portal-checklist-held-suicidality")
    session = DosingSession.objects.get(patient=patient)
    assert session.status == SessionStatus.GATE_FAILED
