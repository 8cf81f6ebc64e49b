"""A dispense from a lot in the browser: the pharmacist chooses the lot, its stock goes down.

Phil (pharmacist) opens the pharmacy queue, then the patient's dispensing page; the form
offers the clinic's lots of the prescribed product that may be dispensed (an expired lot
is not offered), each with its expiry and its stock on hand. He dispenses the fill from
the lot he chooses: the page shows the dispense and the lot holds 8 fewer. With
KETACARE_SCREENSHOTS=1 the form is written to docs/screenshots.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from playwright.sync_api import expect

from ketacare.pharmacy.models import Lot
from ketacare.treatment import services as treatment
from ketacare.treatment.dispensing import patient_today
from ketacare.treatment.models import Dispense
from tests.browser.conftest import Browsers
from tests.browser.helpers import Person, expect_message, login, nav
from tests.browser.states import PATIENT_NAME, approved, clinic_a, planned
from tests.factories import PdmpCheckFactory, shelve
from tests.treatment.helpers import rx_spec

LOT = "KC-TR50-0142"


def test_a_pharmacist_dispenses_a_fill_from_the_lot_chosen(browsers: Browsers) -> None:
    people = clinic_a()
    patient = approved(people)
    plan = planned(people, patient)
    PdmpCheckFactory(patient=patient, checked_by=people.priya)
    rx = treatment.write_prescription(
        people.priya,
        patient,
        rx_spec(plan=plan, quantity=8, refills=0, directions="2 troches.", earliest_refill_on=None),
    )
    today = patient_today(patient)
    expires = today + dt.timedelta(days=365)
    shelve(rx, people.clinic, lot_number=LOT, expires_on=expires, quantity=Decimal(120))
    shelve(rx, people.clinic, lot_number="KC-TR50-0007", expires_on=today)  # expired today

    phil = Person(browsers.page("desktop"), "desktop", photos=True)
    page = phil.page
    login(page, "phil")
    nav(page, "Pharmacy")
    page.get_by_role("link", name=PATIENT_NAME).first.click()
    lots = page.get_by_label("Lot to dispense from")
    label = f"{LOT}, expires {expires.day} {expires:%b %Y}, 120 troches on hand"
    expect(lots.locator("option")).to_have_text([label])  # the expired lot is not offered
    page.get_by_label("Units dispensed").fill("8")
    lots.select_option(LOT)
    phil.screen("ws-dispense-from-lot")
    page.get_by_role("button", name="Dispense", exact=True).click()

    expect_message(page, f"Fill 1 dispensed: 8 troches, lot {LOT}.")
    dispenses = page.get_by_role("table").filter(has_text="Every dispense of this patient")
    expect(dispenses).to_contain_text(LOT)
    lot = Lot.objects.get(lot_number=LOT)
    assert lot.on_hand == 112
    assert Dispense.objects.get().lot == lot
