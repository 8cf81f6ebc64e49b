"""A clinician writes a note on the chart, signs it (locked from then on) and adds an addendum.

The note then stands in the chart's timeline with its kind, author and signed time.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from ketacare.notes.models import Note
from tests.browser.conftest import Browsers
from tests.browser.helpers import Person, expect_message, login
from tests.factories import ClinicFactory, PatientFactory, UserFactory

BODY = "Phone call the day after the session: slept well, no dissociation, mood a little brighter."


def test_a_clinician_writes_signs_and_adds_an_addendum_to_a_note(browsers: Browsers) -> None:
    clinic = ClinicFactory(name="Riverside Ketamine Clinic")
    UserFactory(clinic=clinic, clinician=True, username="alice", first_name="Alice")
    patient = PatientFactory(clinic=clinic, legal_name="Nina Newcomer")
    alice = Person(browsers.page("desktop"), "desktop", photos=True)
    page = alice.page
    login(page, "alice")
    page.goto(f"/workspace/patients/{patient.pk}/")
    page.get_by_role("link", name="New note").click()
    page.get_by_label("Kind of note").select_option("phone_call")
    page.get_by_label("Title (optional)").fill("Day after session 1")
    page.get_by_role("textbox", name="Note", exact=True).fill(BODY)
    page.get_by_role("button", name="Save draft").click()
    expect_message(page, "Draft saved. Sign it when it is ready: signing locks it.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nina Newcomer: Day after session 1")

    # Signing asks to confirm that it locks the note.
    page.get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_role("alert")).to_contain_text("Tick the box to sign")
    page.get_by_label(re.compile("Signing locks this note")).check()
    page.get_by_role("button", name="Sign and lock").click()
    expect_message(page, "Note signed. It is locked now: correct it with an addendum.")
    expect(page.get_by_role("heading", name="Edit the draft")).to_have_count(0)

    page.get_by_role("textbox", name="Addendum").fill(
        "Correction: the call was on Tuesday, not Monday."
    )
    page.get_by_role("button", name="Add and sign the addendum").click()
    expect_message(page, "Addendum added and signed.")
    expect(page.get_by_text("Correction: the call was on Tuesday")).to_be_visible()
    alice.screen("ws-note-signed")
    page.get_by_role("link", name="Back to the notes").click()
    expect(page.get_by_role("table")).to_contain_text("Day after session 1")
    alice.screen("ws-notes")

    # The chart's timeline shows it, with its kind and author.
    page.goto(f"/workspace/patients/{patient.pk}/?kind=note")
    entry = page.locator(".ws-entry.kind-note")
    expect(entry).to_contain_text("Phone call")
    expect(entry).to_contain_text("by Alice")
    expect(entry).to_contain_text("1 addendum")
    note = Note.objects.get()
    assert note.signed_at is not None
    assert note.addenda.count() == 1
