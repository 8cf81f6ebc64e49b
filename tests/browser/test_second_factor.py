"""Signing in safely, in Chromium: the second factor, the lockout, and the CSP.

A prescriber sets up an authenticator app (the code computed here from the device's key,
as the phone would) and signs in with it; ten wrong passwords lock an account, and the
page says so in plain words; the main pages load under the CSP with nothing blocked
(the guard of conftest.py fails a test on any "Refused to ..." of the CSP).
"""

from __future__ import annotations

import re

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from ketacare.audit.models import AuditAction, AuditEntry
from tests.browser.conftest import Browsers
from tests.browser.helpers import Person, login
from tests.browser.states import clinic_a, stocked
from tests.factories import PASSWORD
from tests.mfa import app_code, give_app


def password_step(page, username: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_prescriber_sets_up_the_app_then_signs_in_with_its_code(browsers: Browsers) -> None:
    people = clinic_a()
    priya = Person(browsers.page("desktop"), "desktop", photos=True)
    page = priya.page
    password_step(page, "priya")
    # No app yet: the workspace is out of reach until one is set up.
    expect(page).to_have_url(re.compile(r"/account/second-factor/setup/"))
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.get_by_role("img", name="QR code to scan")).to_be_visible()
    priya.screen("signin-setup")
    device = TOTPDevice.objects.get(user=people.priya, confirmed=False)
    page.get_by_label("Code").fill(app_code(device))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(
        10
    )
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Panel")
    page.get_by_role("button", name="Sign out").click()

    # Next time: the password, then the code the app shows (its next one: a code is
    # accepted once).
    device.refresh_from_db()
    password_step(page, "priya")
    expect(page).to_have_url(re.compile(r"/login/code/"))
    priya.screen("signin-code")
    device.t0 -= device.step  # the app a step later: the next code, not the one just used
    page.get_by_label("Code").fill(app_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"/login/|/account/"))
    entry = AuditEntry.objects.filter(action=AuditAction.LOGIN, actor_id=people.priya.pk).last()
    assert entry is not None
    assert entry.detail == {"second_factor": "authenticator app"}


def test_a_prescriber_signs_in_with_the_code_of_the_app(browsers: Browsers) -> None:
    people = clinic_a()
    device = give_app(people.priya)
    page = browsers.page("phone")
    password_step(page, "priya")
    expect(page).to_have_url(re.compile(r"/login/code/"))
    page.get_by_label("Code").fill(app_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def test_ten_wrong_passwords_lock_the_account(browsers: Browsers) -> None:
    people = clinic_a()
    alice = Person(browsers.page("desktop"), "desktop", photos=True)
    page = alice.page
    for _ in range(9):
        password_step(page, "alice", "not the password")
        expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    password_step(page, "alice", "not the password")
    message = page.get_by_role("status")
    expect(message).to_contain_text(
        "Too many wrong passwords. This account is locked for 30 minutes; "
        "call the clinic to unlock it sooner."
    )
    alice.screen("signin-locked")
    password_step(page, "alice")  # the right password, too late
    expect(page.get_by_role("status")).to_contain_text("This account is locked")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    locked = [
        e
        for e in AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED)
        if e.detail.get("locked_out")
    ]
    assert locked
    assert locked[0].detail["username"] == "alice"
    assert locked[0].actor_id is None  # nobody signed in
    assert people.alice.is_active


def test_the_main_pages_load_under_the_csp_with_nothing_blocked(browsers: Browsers) -> None:
    """Every page's scripts and styles are the site's own files: the CSP blocks nothing."""
    people = clinic_a()
    patient = stocked(people)  # a plan (the care script), a prescription, a fill
    staff = browsers.page("desktop")
    for path in ("/", "/screen/", "/login/"):
        staff.goto(path)
        staff.wait_for_load_state("load")
    login(staff, "priya")
    for path in (
        "/workspace/",
        "/workspace/alerts/",
        f"/workspace/patients/{patient.pk}/",
        f"/workspace/patients/{patient.pk}/plan/",
        "/workspace/reviews/",
        "/account/security/",
    ):
        response = staff.goto(path)
        assert response is not None
        assert response.status == 200, path
        staff.wait_for_load_state("load")
    home = browsers.page("phone")
    login(home, patient.user.username if patient.user else "")
    for path in ("/portal/", "/portal/progress/", "/portal/sessions/"):
        response = home.goto(path)
        assert response is not None
        assert response.status == 200, path
        home.wait_for_load_state("load")
