"""Staged dispensing in the browser: a held fill on the pharmacy queue, released, dispensed.

The pharmacist sees the fill held with its reason; the prescriber releases it from the
queue with a note; the pharmacist then dispenses it.
"""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from ketacare.alerts.services import raise_alert
from ketacare.treatment import services as treatment
from ketacare.treatment.dispensing import patient_today
from ketacare.treatment.models import Dispense, FillRelease
from tests.browser.conftest import Browsers
from tests.browser.helpers import Person, expect_message, login
from tests.browser.states import approved, clinic_a, planned
from tests.factories import PdmpCheckFactory, shelve
from tests.treatment.helpers import rx_spec

NOTE = "Called Jordan: the reaction has settled; the next fill may go."


def test_a_held_fill_is_released_by_a_prescriber_then_dispensed(browsers: Browsers) -> None:
    people = clinic_a()
    patient = approved(people)
    plan = planned(people, patient)
    PdmpCheckFactory(patient=patient, checked_by=people.priya)
    rx = treatment.write_prescription(
        people.priya,
        patient,
        rx_spec(plan=plan, quantity=8, refills=0, directions="2 troches.", earliest_refill_on=None),
    )
    expires = patient_today(patient) + dt.timedelta(days=365)
    shelve(rx, people.clinic, lot_number="LOT-2026-02", expires_on=expires)
    raise_alert(
        patient=patient,
        cause="adverse_event",
        severity="urgent",
        subject="browser:1",
        title="Adverse event reported",
        message="",
    )
    phil = Person(browsers.page("desktop"), "desktop", photos=True)
    login(phil.page, "phil")
    phil.page.goto("/workspace/pharmacy/")
    expect(phil.page.get_by_role("table")).to_contain_text("1 urgent alert is open")
    priya = Person(browsers.page("desktop"), "desktop", photos=True)
    login(priya.page, "priya")
    priya.page.goto("/workspace/pharmacy/")
    expect(priya.page.get_by_role("table")).to_contain_text("1 urgent alert is open")
    priya.screen("ws-held-fill")
    priya.page.get_by_label("Why the fill may go despite its holds").fill(NOTE)
    priya.page.get_by_role("button", name=f"Release fill of Rx {rx.pk}").click()
    expect_message(priya.page, f"Fill 1 of Rx {rx.pk} released")
    assert FillRelease.objects.get().note == NOTE
    page = phil.page
    page.goto(f"/workspace/patients/{patient.pk}/dispense/")
    page.get_by_label("Units dispensed").fill("8")
    page.get_by_label("Lot to dispense from").select_option("LOT-2026-02")
    page.get_by_role("button", name="Dispense", exact=True).click()
    expect_message(page, "Fill 1 dispensed")
    assert Dispense.objects.get().prescription_id == rx.pk
