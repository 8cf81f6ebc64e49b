"""Getting a sign-in: a coordinator invites a new patient and their sitter from the chart.

Both open the link of their message (read from the notification outbox, where the worker
would send it from), set a password and land on their own page, then sign in again with
it; later the patient forgets the password and chooses a new one from a reset email.
"""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import Page, expect

from ketacare.alerts import outbox
from ketacare.alerts.models import Channel, Notification
from ketacare.patients.models import Patient, Sitter
from tests.browser.conftest import Browsers
from tests.browser.helpers import Person, assert_no_horizontal_scroll, expect_message, login
from tests.factories import ClinicFactory, PatientFactory, SitterFactory, UserFactory

FIRST_PASSWORD = "rivers and willows 1987"
NEW_PASSWORD = "a quiet morning walk 2031"
LINK = re.compile(r"https?://[^/\s]+(?P<path>/(?:invite|reset)/[^/\s]+/[^/\s]+/)")


def _people() -> tuple[Patient, Sitter]:
    clinic = ClinicFactory(name="Riverside Ketamine Clinic")
    UserFactory(clinic=clinic, coordinator=True, username="cora", first_name="Cora")
    patient = PatientFactory(clinic=clinic, legal_name="Nina Newcomer", email="nina@example.org")
    sitter = SitterFactory(
        clinic=clinic, patients=[patient], user=None, name="Sam Sitter", phone="+1 555 222 4444"
    )
    return patient, sitter


def _link_to(address: str) -> str:
    """The path of the latest link the outbox holds for `address`."""
    row = Notification.objects.filter(address=address).order_by("-pk").first()
    assert row is not None, f"nothing queued for {address}"
    found = LINK.search(row.body)
    assert found is not None, row.body
    return found["path"]


def _set_password(page: Page, link: str, password: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set your password")
    page.get_by_label(re.compile(r"^New password")).fill(password)
    page.get_by_label(re.compile(r"^Type it again")).fill(password)
    page.get_by_role("button", name="Set my password").click()


def _sign_out_and_in(page: Page, username: str, password: str, lands: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    login(page, username, password)
    expect(page).to_have_url(re.compile(lands))


def test_a_coordinator_invites_a_patient_and_a_sitter_who_set_passwords(
    browsers: Browsers,
) -> None:
    patient, sitter = _people()
    cora = Person(browsers.page("desktop"), "desktop", photos=True)
    page = cora.page
    login(page, "cora")
    page.goto(f"/workspace/patients/{patient.pk}/")
    page.get_by_role("link", name="Invite to the portal").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("portal access")
    page.get_by_role("button", name="Invite Nina Newcomer (patient) by email").click()
    expect_message(page, "Invitation sent to patient Nina Newcomer by email.")
    page.get_by_role("button", name="Invite Sam Sitter (sitter) by text message").click()
    expect_message(page, "Invitation sent to sitter Sam Sitter by text message.")
    invitations = page.get_by_role("table")
    expect(
        invitations.get_by_role("row", name=re.compile("patient Nina Newcomer"))
    ).to_contain_text("Pending")
    cora.screen("ws-invitations")
    # The worker sends the email; the message holds the clinic's name and the link only.
    assert outbox.drain("browser-test").sent == 2
    (email,) = mail.outbox
    assert email.to == ["nina@example.org"]
    assert "Riverside Ketamine Clinic" in email.body
    assert "Nina" not in email.body

    nina = browsers.page("phone")
    _set_password(nina, _link_to("nina@example.org"), FIRST_PASSWORD)
    expect(nina).to_have_url(re.compile(r"/portal/$"))
    expect_message(nina, "Your password is set. Your username is nina@example.org.")
    assert_no_horizontal_scroll(nina)
    _sign_out_and_in(nina, "nina@example.org", FIRST_PASSWORD, r"/portal/$")

    sam = browsers.page("phone")
    _set_password(sam, _link_to(sitter.phone), FIRST_PASSWORD)
    expect(sam).to_have_url(re.compile(r"/portal/sitter/$"))
    _sign_out_and_in(sam, "sam.sitter", FIRST_PASSWORD, r"/portal/sitter/$")

    # The coordinator sees both invitations accepted.
    page.reload()
    expect(page.get_by_role("table").get_by_text("Accepted")).to_have_count(2)
    # A used link says so, and what to do.
    used = browsers.page("phone")
    used.goto(_link_to(sitter.phone))
    expect(used.get_by_role("heading", level=1)).to_have_text("This link does not work")
    expect(used.get_by_text("already used")).to_be_visible()
    assert Notification.objects.filter(channel=Channel.SMS).count() == 1


def test_the_patient_resets_a_forgotten_password(browsers: Browsers) -> None:
    patient, _ = _people()
    cora = browsers.page("desktop")
    login(cora, "cora")
    cora.goto(f"/workspace/patients/{patient.pk}/invitations/")
    cora.get_by_role("button", name="Invite Nina Newcomer (patient) by email").click()
    expect_message(cora, "Invitation sent")
    nina = Person(browsers.page("phone"), "phone", photos=True)
    page = nina.page
    _set_password(page, _link_to("nina@example.org"), FIRST_PASSWORD)
    page.get_by_role("button", name="Sign out").click()

    page.goto("/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forgot your password?")
    nina.screen("password-reset")
    page.get_by_label("Email").fill("nina@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    page.goto(_link_to("nina@example.org"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    page.get_by_label(re.compile(r"^New password")).fill(NEW_PASSWORD)
    page.get_by_label(re.compile(r"^Type it again")).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save my new password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password is changed")
    login(page, "nina@example.org", NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/portal/$"))
    # The old password no longer works.
    page.get_by_role("button", name="Sign out").click()
    page.goto("/login/")
    page.get_by_label("Username").fill("nina@example.org")
    page.get_by_label("Password").fill(FIRST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
