"""The printable session record, opened from the chart on a desk screen.

Jordan took a dose yesterday with Robin sitting; the ~40-minute reading, the release
check-in and Robin's release are on record. Alice opens the chart, follows the
session's "Session record" link and sees the one-page record (docs/screenshots/
ws-session-record.png), with its PDF beside it.
"""

from __future__ import annotations

import datetime as dt

import time_machine
from playwright.sync_api import expect

from ketacare.kernel import clock
from ketacare.patients.models import Patient
from ketacare.treatment import services as treatment
from ketacare.treatment.specs.sessions import CheckInSpec, DoseSpec, ReadingSpec, ReleaseSpec
from tests.browser.conftest import Browsers
from tests.browser.helpers import Person, assert_no_horizontal_scroll, login
from tests.browser.states import (
    DOSE_MG,
    PATIENT_NAME,
    Clinicians,
    clinic_a,
    session_started,
    stocked,
)


def dosed_yesterday() -> tuple[Clinicians, Patient]:
    """Stocked, then a session yesterday with every reading, the check-in and the release."""
    dosed_at = clock.now() - dt.timedelta(days=1)
    with time_machine.travel(dosed_at - dt.timedelta(days=1), tick=False):
        people = clinic_a()
        patient = stocked(people)
    assert patient.user is not None
    assert people.sitter.user is not None
    with time_machine.travel(dosed_at, tick=False):
        session = session_started(people, patient)
        session = treatment.record_dose_taken(patient.user, session, DoseSpec(dose_mg=DOSE_MG))
    with time_machine.travel(dosed_at + dt.timedelta(minutes=40), tick=False):
        treatment.record_post_dose_reading(
            patient.user, session, ReadingSpec(systolic_mmhg=132, diastolic_mmhg=84)
        )
    with time_machine.travel(dosed_at + dt.timedelta(hours=2), tick=False):
        treatment.record_check_in(
            patient.user,
            session,
            CheckInSpec(
                feeling="well",
                blood_pressure=[126, 80],
                cadss6_answers=[1, 1, 0, 0, 1, 0],
                side_effects=["nausea", "dizziness"],
            ),
        )
    with time_machine.travel(dosed_at + dt.timedelta(hours=2, minutes=5), tick=False):
        treatment.release_session(people.sitter.user, session, ReleaseSpec(stable=True))
    return people, patient


def test_a_clinician_opens_the_session_record_from_the_chart(browsers: Browsers) -> None:
    _, patient = dosed_yesterday()
    alice = Person(browsers.page("desktop"), "desktop", photos=True)
    page = alice.page
    login(page, "alice")
    page.goto(f"/workspace/patients/{patient.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(PATIENT_NAME)
    page.get_by_role("link", name="Session record").first.click()
    record = page.get_by_role("article", name="Session record")
    expect(record).to_contain_text(PATIENT_NAME)
    expect(record).to_contain_text("LOT-2026-01")
    expect(record).to_contain_text("132/84 mmHg")
    expect(record).to_contain_text("126/80 mmHg")
    expect(record).to_contain_text("Robin Sitter confirmed alert and stable")
    expect(record).to_contain_text("3 of 24")
    expect(record).to_contain_text("Times are in America/New_York")
    expect(page.get_by_role("link", name="Open as PDF")).to_be_visible()
    alice.screen("ws-session-record")
    # Printed, the record fits one sheet: the site's header and the links are not on it.
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.get_by_role("link", name="Open as PDF")).to_be_hidden()


def test_the_patient_reads_their_session_record_on_a_phone(browsers: Browsers) -> None:
    _, patient = dosed_yesterday()
    assert patient.user is not None
    jordan = Person(browsers.page("phone"), "phone", photos=True)
    page = jordan.page
    login(page, patient.user.username)
    page.goto("/portal/sessions/")
    page.get_by_role("link", name="Printable record of this session").first.click()
    record = page.get_by_role("article", name="Session record")
    expect(record).to_contain_text("126/80 mmHg")
    assert_no_horizontal_scroll(page)
    jordan.screen("portal-session-record")
