"""The journey of the issue, driven through the pages in Chromium, one person per context.

A visitor self-screens; Jordan signs the consent and completes the intake; Alice (a
clinician) approves it; Priya (a prescriber) writes the plan and the prescription; Phil
(a pharmacist) dispenses; Robin (the sitter) confirms being there; Jordan's checklist
fails on a high blood pressure, then passes 15 minutes later; Jordan takes the dose,
enters the blood pressure at 40 minutes and checks in when the observation ends; Robin
ends the window; a week later Jordan fills a PHQ-9 with a positive item 9; Alice sees
the chart updated and the suicidality alert, acknowledges it and resolves it. The
server's clock (time-machine, in this process with the live server) moves on for the
waits of the session. tests/browser/test_at_home.py follows one session in detail.

The patient's and the sitter's pages run on a 360 px phone and on a desktop screen;
the staff pages on a desktop screen. With KETACARE_SCREENSHOTS=1 the phone run writes
docs/screenshots/ (staff pages at desktop size, patient pages at phone size).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from ketacare.alerts.models import Alert, AlertCause, AlertStatus
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.clinical import instruments
from ketacare.clinical.safety import clock_time
from ketacare.intake.models import ScreeningLead
from ketacare.patients.phases import Phase
from ketacare.treatment.models import DosingSession, Prescription, SessionStatus
from tests.browser.conftest import Browsers
from tests.browser.helpers import (
    Person,
    answer_checklist,
    choose,
    expect_message,
    login,
    nav,
)
from tests.browser.states import PATIENT_NAME, SITTER_NAME, Clinicians, clinic_a
from tests.factories import shelve

# --- The visitor ------------------------------------------------------------------------


def self_screen(visitor: Person) -> None:
    page = visitor.page
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("ketamine")
    visitor.screen("public-landing")
    page.get_by_role("link", name=re.compile("Take the self-screen")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Is ketamine treatment right for you?"
    )
    visitor.screen("public-self-screen")
    for item in range(1, 9):
        choose(page, re.compile(rf"^{item}\. "), "More than half the days")
    choose(page, re.compile(r"^9\. "), "Several days")
    choose(page, re.compile(r"^10\. "), "Somewhat difficult")
    # The crisis help shows at once, before the visitor goes on (public.js).
    expect(page.get_by_role("heading", name="Please get help now")).to_be_visible()
    choose(page, re.compile("antidepressants have you tried"), "2")
    for group in page.get_by_role("region", name="3. Health questions").get_by_role("group").all():
        group.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="See my result").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your result")
    # A positive item 9: the crisis resources come first, before the result.
    crisis = page.get_by_role("alert").filter(has_text="Please get help now")
    expect(crisis).to_be_visible()
    first_heading = page.locator("main h1, main h2").first
    expect(first_heading).to_have_text("Please get help now")
    visitor.screen("public-self-screen-result")
    # The visitor leaves their details, with consent: a lead in the clinic's list.
    page.get_by_label("Your name").fill("Sam Visitor")
    page.get_by_label("Email address").fill("sam@example.org")
    page.get_by_label("I agree that").check()
    page.get_by_role("button", name="Send my details to the clinic").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("your details have been sent")
    assert ScreeningLead.objects.filter(name="Sam Visitor").exists()


# --- The patient: consent and intake --------------------------------------------------


def sign_consent_and_complete_intake(jordan: Person, people: Clinicians) -> None:
    page = jordan.page
    login(page, "jordan")
    page.goto("/portal/")
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    jordan.screen("portal-today-new")
    page.get_by_role("link", name="Read and sign the treatment consent").click()
    page.get_by_label("Type your full name to sign").fill(PATIENT_NAME)
    page.get_by_role("button", name="Sign the consent").click()
    expect_message(page, "signed the consent")
    page.get_by_role("link", name="Complete your intake form").click()
    fill_intake(jordan)
    people.patient.refresh_from_db()
    assert people.patient.phase == Phase.UNDER_REVIEW


def answer_items(page: Page, code: str, answers: dict[int, str], default: str) -> None:
    """Answer each item of questionnaire `code` shown on the page, by its choice's words."""
    for item in instruments.get(code).items:
        group = page.get_by_role("group", name=re.compile(rf"^{item.number}\. "))
        if group.is_visible():  # follow-up items show only after a "yes"
            group.get_by_label(answers.get(item.number, default), exact=True).check()


def answer_groups(page: Page, answer: str) -> None:
    """The same answer to every question (radio group) of the form on screen."""
    for group in page.locator("main form").get_by_role("group").all():
        group.get_by_label(answer, exact=True).check()


def save_and_continue(page: Page, title: str) -> None:
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def fill_intake(jordan: Person) -> None:
    """The intake, one section a page (portal-intake), then sent for review."""
    page = jordan.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Your intake")
    page.get_by_role("button", name="Start my intake").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("About you")
    page.get_by_label("Your date of birth").fill("1985-06-15")
    page.get_by_label("Your weight in kilograms").fill("72.5")
    jordan.screen("portal-intake")
    save_and_continue(page, "Your physical health")
    answer_groups(page, "No")
    save_and_continue(page, "Your mental health history")
    answer_groups(page, "No")
    save_and_continue(page, "Antidepressants you have taken")
    for number, (drug, dose, weeks) in enumerate(
        [("Sertraline", "150 mg", "8"), ("Venlafaxine", "225 mg", "10")]
    ):
        row = page.get_by_role("group", name="Add one")
        row.get_by_label("Name of the antidepressant").fill(drug)
        row.get_by_label("The highest daily dose you took").fill(dose)
        choose_in(row, "Was that the full dose your prescriber intended?", "Yes")
        row.get_by_label("How many weeks did you take it at that dose?").fill(weeks)
        choose_in(row, "How did it go?", "It did not help enough")
        choose_in(row, "Did you take it during this episode of depression?", "Yes")
        if number == 0:
            page.get_by_role("button", name="Save and add another").click()
            expect(page.get_by_role("group", name="Number 1")).to_be_visible()
    save_and_continue(page, "Medicines you take now")
    save_and_continue(page, instruments.get("phq9").title)
    answer_items(page, "phq9", {9: "Not at all", 10: "Somewhat difficult"}, "Nearly every day")
    save_and_continue(page, instruments.get("gad7").title)
    answer_items(page, "gad7", {}, "Several days")
    save_and_continue(page, instruments.get("cssrs_screen").title)
    answer_items(page, "cssrs_screen", {}, "No")
    save_and_continue(page, instruments.get("auditc").title)
    answer_items(page, "auditc", {1: "Monthly or less", 2: "1 or 2"}, "Never")
    save_and_continue(page, instruments.get("dast10").title)
    answer_items(page, "dast10", {3: "Yes"}, "No")
    save_and_continue(page, "Blood pressure at home")
    page.get_by_label("Blood pressure: the top number (systolic), in mmHg").fill("122")
    page.get_by_label("Blood pressure: the bottom number (diastolic), in mmHg").fill("78")
    page.get_by_label("Heart rate (pulse), beats per minute").fill("72")
    save_and_continue(page, "Your home and your sitter")
    answer_groups(page, "Yes")
    save_and_continue(page, "Check and send")
    expect(page.get_by_text("You have signed")).to_be_visible()
    page.get_by_role("button", name="Send my intake to the clinic").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your answers are with the clinic for review"
    )


def choose_in(scope: Locator, question: str, answer: str) -> None:
    scope.get_by_role("group", name=question).get_by_label(answer, exact=True).check()


# --- The care team ----------------------------------------------------------------------


def approve_intake(alice: Person, people: Clinicians) -> None:
    page = alice.page
    login(page, "alice")
    nav(page, "Reviews")
    page.get_by_role("link", name=PATIENT_NAME).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Intake review: {PATIENT_NAME}")
    expect(page.get_by_role("heading", name="Eligibility findings")).to_be_visible()
    expect(page.get_by_text("Treatment-resistant", exact=True)).to_be_visible()
    alice.screen("ws-intake-review")
    choose(page, "Decision", "Approve")
    page.get_by_role("button", name="Record the decision").click()
    expect_message(page, f"Intake approved: {PATIENT_NAME} is now")
    people.patient.refresh_from_db()
    assert people.patient.phase == Phase.APPROVED


def write_plan_and_prescription(priya: Person, people: Clinicians) -> None:
    page = priya.page
    login(page, "priya")
    # From the panel to the patient's chart, and from there to the plan editor.
    nav(page, "Panel")
    page.get_by_role("row").filter(has_text=PATIENT_NAME).get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PATIENT_NAME)
    page.get_by_role("navigation", name="Care of this patient").get_by_role(
        "link", name="Treatment plan"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Treatment plan: {PATIENT_NAME}")
    preview = page.locator("#pk-preview")
    expect(preview.locator("svg")).to_have_count(0)  # no dose yet, no preview
    page.get_by_label("Route").select_option(label="Sublingual")
    page.get_by_label("Product").select_option(label="Troche")
    page.get_by_label("Tablet strength (mg)").fill("50")
    page.get_by_label("Scored (may be halved)").check()
    page.get_by_label("Dose per session").fill("100")
    # The pharmacokinetic preview follows the dose as it is typed (htmx).
    expect(preview.locator("svg[role=img]")).to_be_visible()
    expect(preview).to_contain_text("1.379 mg/kg")  # 100 mg at 72.5 kg
    page.get_by_label("First session day").fill(_today(people))
    page.get_by_label("Time of day (patient's clock)").fill("18:00")
    page.get_by_label("Weeks of maintenance").fill("4")
    priya.screen("ws-plan")
    page.get_by_role("button", name="Save the plan").click()
    expect_message(page, "Plan version 1 saved")
    expect(page.get_by_role("heading", name="Current plan (version 1)")).to_be_visible()

    page.get_by_role("link", name="Prescriptions").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Prescriptions: {PATIENT_NAME}")
    # The state PDMP was checked (in the state's system): recorded before prescribing.
    page.get_by_label("Nothing of concern").check()
    page.get_by_role("button", name="Record the PDMP check").click()
    expect_message(page, "State PDMP check recorded.")
    page.get_by_label("Units per fill").fill("8")
    page.get_by_label("Refills after the first fill").fill("0")
    page.get_by_label("Directions for use").fill(
        "Hold 2 troches under the tongue for 15 minutes, with your sitter present."
    )
    page.get_by_role("button", name="Write the prescription").click()
    written = page.get_by_role("table").get_by_role("row").filter(has_text="50 mg scored troches")
    expect(written).to_contain_text("0 of 1")
    expect(written.get_by_role("cell").nth(3)).to_contain_text("8 ")  # per fill
    priya.screen("ws-prescriptions")


def dispense(phil: Person, people: Clinicians) -> None:
    # The lot is on the clinic's shelf (its receipt is tests/browser/test_stock_receipt.py's).
    expires = dt.date.fromisoformat(_in_a_year(people))
    rx = Prescription.objects.get(patient=people.patient)
    shelve(rx, people.clinic, lot_number="LOT-2026-01", expires_on=expires)
    page = phil.page
    login(page, "phil")
    nav(page, "Pharmacy")
    page.get_by_role("link", name=PATIENT_NAME).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Dispensing and ledger: {PATIENT_NAME}"
    )
    page.get_by_label("Units dispensed").fill("8")
    page.get_by_label("Lot to dispense from").select_option(
        "LOT-2026-01"
    )  # the lot master's expiry
    page.get_by_role("button", name="Dispense").click()
    expect(page.locator("#ledger-balance")).to_contain_text("8")
    phil.screen("ws-dispense")


# --- The session at home -----------------------------------------------------------------


def sitter_confirms(robin: Person) -> None:
    page = robin.page
    login(page, "robin")
    nav(page, "Sitting")
    page.get_by_role("link", name=f"Open {PATIENT_NAME}'s session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sitting for {PATIENT_NAME}")
    page.get_by_role("button", name=f"I am with {PATIENT_NAME} now").click()
    expect(page.get_by_text(f"Confirmed by {SITTER_NAME}")).to_be_visible()


def session_at_home(jordan: Person, people: Clinicians, clock: time_machine.Coordinates) -> None:
    page = jordan.page
    page.goto("/portal/")
    jordan.screen("portal-today")
    page.get_by_role("link", name="Start the pre-dose checklist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Before your dose")
    expect(page.get_by_text(f"{SITTER_NAME} confirmed being with you at")).to_be_visible()

    # A high blood pressure (above the delay gate of 140/90, CLINICAL.md D): the gate
    # fails, says why and what to do; no dose.
    answer_checklist(page, "152", "96")
    gate = page.get_by_role("alert").filter(has_text="Why:")
    expect(gate).to_be_visible()
    expect(gate).to_contain_text("Why: Your blood pressure is too high right now.")
    expect(gate).to_contain_text("What to do:")
    jordan.screen("portal-checklist-failed")
    failed = DosingSession.objects.get(patient=people.patient)
    assert failed.status == SessionStatus.GATE_FAILED
    assert Alert.objects.filter(patient=people.patient, cause=AlertCause.BP_GATE_FAILED).exists()

    # Rested 15 minutes (CLINICAL.md G2), measured again: the gate passes.
    clock.shift(dt.timedelta(minutes=15))
    page.get_by_label("Blood pressure: top number (systolic)").fill("124")
    page.get_by_label("Blood pressure: bottom number (diastolic)").fill("78")
    page.get_by_role("button", name="Check my answers").click()
    expect(page.get_by_text("Checklist passed")).to_be_visible()
    expect(page.get_by_text("2 troches of 50 mg").first).to_be_visible()
    page.get_by_role("button", name="I am taking my dose now").click()
    expect_message(page, "Your dose is recorded")
    # The countdowns of the window are on screen and count down (portal.js).
    timer = page.get_by_role("timer").first
    expect(timer).to_contain_text("to go")
    shown = timer.inner_text()
    expect(timer).not_to_have_text(shown)
    # The check-in opens when the observation ends, told on the patient's own clock.
    dosed = DosingSession.objects.get(patient=people.patient, status=SessionStatus.DOSED)
    assert dosed.observation_ends_at is not None
    # The day is named when the check-in opens after midnight on the patient's clock.
    opens = clock_time(dosed.observation_ends_at, ZoneInfo(people.patient.timezone), timezone.now())
    expect(page.locator(".timeline")).to_contain_text(f"Opens at {opens}")
    jordan.screen("portal-session-countdown")
    people.patient.refresh_from_db()
    assert people.patient.phase == Phase.INDUCTION
    the_window(jordan, dosed, clock)


def the_window(jordan: Person, dosed: DosingSession, clock: time_machine.Coordinates) -> None:
    """The blood pressure at 40 minutes, then the check-in when the observation ends."""
    page = jordan.page
    # About 40 minutes after the dose: the blood pressure again.
    clock.shift(dt.timedelta(minutes=40))
    page.reload()
    page.get_by_label("Blood pressure: top number (systolic)").fill("132")
    page.get_by_label("Blood pressure: bottom number (diastolic)").fill("84")
    page.get_by_role("button", name="Save my blood pressure").click()
    expect(page.get_by_text("That is as expected.")).to_be_visible()

    # The observation has ended: the check-in opens.
    assert dosed.observation_ends_at is not None
    clock.move_to(dosed.observation_ends_at)
    page.reload()
    page.get_by_role("link", name="Check in now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How are you after your dose?")
    choose(page, "How do you feel now?", "Okay")
    page.get_by_role("group", name=re.compile("Have you noticed any of these")).get_by_label(
        "Nausea"
    ).check()
    page.get_by_label("Blood pressure now: top number (systolic)").fill("128")
    page.get_by_label("Blood pressure now: bottom number (diastolic)").fill("82")
    for item in instruments.get("cadss6").items:
        choose(page, item.text, "Slightly")
    page.get_by_role("button", name="Send my check-in").click()
    expect_message(page, "Your check-in is saved")
    expect(page.get_by_text(f"Ask {SITTER_NAME} to confirm you are alert and well")).to_be_visible()


def sitter_ends_the_window(robin: Person) -> None:
    page = robin.page
    page.reload()
    expect(page.get_by_role("heading", name="In an emergency")).to_be_visible()
    choose(page, f"Is {PATIENT_NAME} alert and stable?", "Yes")
    page.get_by_role("button", name="Send my answer").click()
    expect_message(page, "The observation after")
    expect(page.get_by_text("Ended", exact=True)).to_be_visible()


def phq9_with_positive_item_9(jordan: Person, people: Clinicians) -> None:
    page = jordan.page
    page.goto("/portal/")
    page.get_by_role("link", name=re.compile("PHQ-9")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(instruments.get("phq9").title)
    # It cannot be sent incomplete: the browser holds it back, and so does the server
    # (asked without the browser's check), naming what is missing; nothing is stored.
    before = QuestionnaireResponse.objects.filter(patient=people.patient).count()
    send = page.get_by_role("button", name="Send my answers")
    send.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(instruments.get("phq9").title)
    page.locator("form.questionnaire").evaluate("form => { form.noValidate = true; }")
    send.click()
    summary = page.get_by_role("alert").filter(has_text="Please check these answers")
    expect(summary.get_by_role("link", name="Question 9 is not answered")).to_have_attribute(
        "href", "#id_item_9"
    )
    assert QuestionnaireResponse.objects.filter(patient=people.patient).count() == before
    jordan.screen("portal-questionnaire-incomplete")
    page.goto(page.url)  # a fresh form
    answer_items(page, "phq9", {9: "Several days", 10: "Somewhat difficult"}, "Several days")
    jordan.screen("portal-questionnaire")
    send.click()
    # The score and what it means, and the crisis numbers at once for item 9.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Your {instruments.get('phq9').title}"
    )
    expect(page.get_by_text("Your score:")).to_contain_text("9 out of 27")
    expect(page.get_by_role("alert").first).to_be_visible()
    jordan.screen("portal-questionnaire-result")
    assert QuestionnaireResponse.objects.filter(patient=people.patient).count() == before + 1


def progress(jordan: Person) -> None:
    page = jordan.page
    nav(page, "Progress")
    expect(page.get_by_role("heading", level=1)).to_have_text("My progress")
    charts = page.locator("svg[role=img]")
    expect(charts.first).to_be_visible()
    jordan.screen("portal-progress")
    # Each chart has its numbers as a table too, behind a summary.
    table_toggle = page.locator("details summary").first
    table_toggle.click()
    expect(page.get_by_role("table").first).to_be_visible()

    nav(page, "Sessions")
    expect(page.get_by_role("heading", level=1)).to_have_text("My sessions")
    sessions = page.locator("main .session-list > li")
    expect(sessions).to_have_count(2)  # the failed checklist, and the session dosed
    expect(page.locator("main")).to_contain_text("Not passed: no dose")
    expect(page.locator("main")).to_contain_text("100 mg at")
    page.get_by_role("link", name="My medication balance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My medication")
    # 8 troches dispensed, 2 taken.
    expect(page.get_by_text("You should have")).to_contain_text("6")
    jordan.screen("portal-medication")


# --- The clinician follows up ---------------------------------------------------------


def clinician_follows_up(alice: Person, people: Clinicians) -> None:
    page = alice.page
    nav(page, "Panel")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    row = page.get_by_role("row").filter(has_text=PATIENT_NAME)
    expect(row).to_be_visible()
    alice.screen("ws-panel")
    row.get_by_role("link", name=PATIENT_NAME).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PATIENT_NAME)
    # The chart shows the session and the new PHQ-9 score.
    expect(page.get_by_text("Induction").first).to_be_visible()
    expect(page.get_by_role("heading", name="Scores and vitals")).to_be_visible()
    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(page.get_by_text("Suicidality").first).to_be_visible()
    alice.screen("ws-chart")

    nav(page, "Alerts")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alert inbox")
    alert = Alert.objects.get(patient=people.patient, cause=AlertCause.SUICIDALITY)
    row = page.locator(f"#alert-{alert.pk}")
    expect(row).to_contain_text(PATIENT_NAME)
    expect(row).to_contain_text(alert.get_severity_display())
    alice.screen("ws-alerts")
    row.locator("summary", has_text="Acknowledge").click()  # opens the row's disclosure
    row.get_by_label("Note (optional)").fill("Called Jordan; safe with sitter tonight.")
    row.get_by_role("button", name="Acknowledge").click()
    expect(row).to_contain_text("Acknowledged")
    row.locator("summary", has_text="Resolve").click()
    row.get_by_label("How it was resolved (required)").fill(
        "Same-day review done: safety plan agreed, follow-up call tomorrow."
    )
    row.get_by_role("button", name="Resolve").click()
    expect(row).to_contain_text("Resolved")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.acknowledged_by_id == people.alice.pk


# --- The journey ----------------------------------------------------------------------


@contextmanager
def step(name: str) -> Iterator[None]:
    """Name the journey's step in the report of a failure."""
    try:
        yield
    except Exception as failure:
        failure.add_note(f"Journey step that failed: {name}")
        raise


@pytest.mark.parametrize("patient_device", ["phone", "desktop"])
def test_the_journey(browsers: Browsers, patient_device: str) -> None:
    people = clinic_a()
    photos = patient_device == "phone"  # one set of screenshots

    def person(device: str) -> Person:
        return Person(browsers.page(device), device, photos=photos)

    jordan, alice, priya = person(patient_device), person("desktop"), person("desktop")
    phil, robin = person("desktop"), person(patient_device)
    with step("a visitor self-screens (public-screen)"):
        self_screen(person(patient_device))
    with step("the patient signs the consent and completes the intake (portal-intake)"):
        sign_consent_and_complete_intake(jordan, people)
    with step("a clinician approves the intake (ws-intake-review)"):
        approve_intake(alice, people)
    with step("a prescriber writes the plan and prescription (ws-plan, ws-prescriptions)"):
        write_plan_and_prescription(priya, people)
    with step("a pharmacist dispenses (ws-dispense)"):
        dispense(phil, people)
    with step("the sitter confirms being there (sitter-session)"):
        sitter_confirms(robin)
    # The server's clock runs on from here, and is moved on by the session's waits.
    with time_machine.travel(timezone.now(), tick=True) as clock:
        with step("checklist failed then passed, dose, the window, check-in (portal-session)"):
            session_at_home(jordan, people, clock)
        with step("the sitter ends the window (sitter-session)"):
            sitter_ends_the_window(robin)
    # A week later (the server's clock; sign-ins of a week ago have expired): the
    # PHQ-9 of the first week of induction is due (assessments.schedules).
    with time_machine.travel(timezone.now() + dt.timedelta(days=7), tick=True):
        with step("the patient fills a PHQ-9 with item 9 positive (portal-questionnaire)"):
            login(jordan.page, "jordan")
            phq9_with_positive_item_9(jordan, people)
        with step("the patient's progress, sessions and medication (portal-progress)"):
            progress(jordan)
        with step("the clinician sees the chart and the alert, acknowledges, resolves"):
            login(alice.page, "alice")
            clinician_follows_up(alice, people)


def _today(people: Clinicians) -> str:
    from ketacare.treatment.dispensing import patient_today  # noqa: PLC0415

    return patient_today(people.patient).isoformat()


def _in_a_year(people: Clinicians) -> str:
    from ketacare.treatment.dispensing import patient_today  # noqa: PLC0415

    today = patient_today(people.patient)
    return today.replace(year=today.year + 1).isoformat()
