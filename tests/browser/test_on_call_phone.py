"""The on-call clinician on a 360 px phone, and a self-screen visitor to call today.

The clinician signs in on the phone, opens the alert inbox, acknowledges an alert; the
inbox, one alert's page and the panel never scroll sideways (Person.screen checks it
on each), and Acknowledge and Resolve are whole 44 px targets inside the screen. A
visitor whose public self-screen has thoughts of self-harm (PHQ-9 item 9 above 0)
leaves their details: the on-call clinician finds them first in the screening leads,
marked "call today", and their urgent alert in the inbox, which links to the lead.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from ketacare.alerts.models import Alert, AlertCause, AlertStatus, OnCallRoster, OnCallShift
from ketacare.alerts.services import raise_alert
from ketacare.intake.models import ScreeningLead
from tests.browser.conftest import Browsers
from tests.browser.helpers import Person, login, nav
from tests.browser.states import PATIENT_NAME, Clinicians, clinic_a
from tests.browser.test_journey import self_screen

PHONE_WIDTH = 360
TARGET = 44  # px: the least tap target


def _on_call(people: Clinicians) -> None:
    """Alice is the clinic's level-1 on-call clinician."""
    roster = OnCallRoster.objects.create(clinic=people.clinic)
    OnCallShift.objects.create(roster=roster, user=people.alice, level=1)


def _assert_tappable(control: Locator) -> None:
    box = control.bounding_box()
    assert box is not None, "not on screen"
    assert box["height"] >= TARGET, box
    assert box["width"] >= TARGET, box
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= PHONE_WIDTH, box


def _row(page: Page, alert: Alert) -> Locator:
    return page.locator(f"#alert-{alert.pk}")


def test_the_on_call_clinician_acknowledges_an_alert_on_a_phone(browsers: Browsers) -> None:
    people = clinic_a()
    _on_call(people)
    urgent = raise_alert(
        patient=people.patient,
        cause=AlertCause.ADVERSE_EVENT,
        severity="urgent",
        subject="browser:1",
        title="Adverse event: severe nausea and vomiting",
        message="Reported by the patient after the dose; they could not keep fluids down.",
    )
    raise_alert(
        patient=people.patient,
        cause=AlertCause.QUESTIONNAIRE_OVERDUE,
        severity="warning",
        subject="browser:2",
        title="PHQ-9 overdue",
        message="The PHQ-9 due 3 days ago has not been filled in.",
    )
    alice = Person(browsers.page("phone"), "phone", photos=True)
    page = alice.page
    login(page, "alice")
    nav(page, "Alerts")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alert inbox")
    row = _row(page, urgent)
    expect(row).to_contain_text(PATIENT_NAME)
    alice.screen("ws-inbox-phone")
    acknowledge = row.locator("summary").filter(has_text="Acknowledge")
    resolve = row.locator("summary").filter(has_text="Resolve")
    _assert_tappable(acknowledge)
    _assert_tappable(resolve)
    acknowledge.click()
    button = row.get_by_role("button", name=re.compile(r"^Acknowledge"))
    _assert_tappable(button)
    row.get_by_label(re.compile(r"^Note \(optional\)")).fill("Calling Jordan now.")
    alice.screen("ws-inbox-phone-acknowledging")
    button.click()
    expect(_row(page, urgent)).to_contain_text("Acknowledged")
    expect(_row(page, urgent)).to_contain_text("by Alice Moreno")
    alice.screen("ws-inbox-phone-acknowledged")
    urgent.refresh_from_db()
    assert urgent.status == AlertStatus.ACKNOWLEDGED
    assert urgent.acknowledged_by == people.alice
    # One alert's page, from its title: the same actions, as big.
    _row(page, urgent).get_by_role("link", name=urgent.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Alert: {urgent.title}")
    _assert_tappable(_row(page, urgent).locator("summary").filter(has_text="Resolve"))
    alice.screen("ws-alert-phone")
    nav(page, "Panel")
    expect(page.get_by_role("heading", level=1)).to_have_text("Panel")
    expect(page.get_by_role("link", name=PATIENT_NAME)).to_be_visible()
    alice.screen("ws-panel-phone")


def test_a_suicidal_self_screen_is_called_today_and_alerts_the_on_call(
    browsers: Browsers,
) -> None:
    people = clinic_a()
    _on_call(people)
    self_screen(Person(browsers.page("phone"), "phone", photos=False))
    lead = ScreeningLead.objects.get(name="Sam Visitor")
    alert = Alert.objects.get(dedupe_key=f"suicidal_lead:{lead.pk}")
    assert (alert.patient, alert.lead, alert.severity) == (None, lead, "urgent")
    alice = Person(browsers.page("phone"), "phone", photos=True)
    page = alice.page
    login(page, "alice")
    nav(page, "Alerts")
    row = _row(page, alert)
    expect(row).to_contain_text("Self-screen visitor to call today")
    expect(row).to_contain_text("screening lead, no record yet")
    alice.screen("ws-inbox-phone-lead")
    row.get_by_role("link", name="Sam Visitor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Screening lead: Sam Visitor")
    expect(page.get_by_role("note")).to_contain_text("Call today")
    alice.screen("lead-call-today-phone")
    nav(page, "Screening leads")
    first = page.locator("table.leads tbody tr").first
    expect(first).to_contain_text("Sam Visitor")
    expect(first).to_contain_text("call today")
    # Reached: the lead is marked contacted, with a note, and its alert is resolved.
    first.get_by_role("link").first.click()
    page.get_by_role("textbox", name="Note").fill(
        "Called Sam: safe tonight, safety plan agreed; booked."
    )
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("Called Sam: safe tonight")).to_be_visible()
    page.get_by_label("Contacted").check()
    page.get_by_role("button", name="Update status").click()
    expect(page.get_by_role("status").filter(has_text="Marked contacted.")).to_be_visible()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
