"""A recall in the browser: who received lot X, the lot recalled, a call recorded.

Two patients were dispensed troches of one lot. Phil (pharmacist) types its number on the
recalls page and sees both, with what they hold and their phones; he recalls the lot.
Cora (coordinator) signs in at her own browser, opens the lot from the recalled lots and
records her call to Jordan. With KETACARE_SCREENSHOTS=1 the screens are written to
docs/screenshots.
"""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from ketacare.pharmacy.models import Lot, RecallTask
from ketacare.pharmacy.queries.stock import clinic_today
from tests.browser.conftest import Browsers
from tests.browser.helpers import Person, expect_message, login, nav
from tests.browser.states import PATIENT_NAME, SITTER_NAME, approved, clinic_a, planned
from tests.factories import PatientFactory, PdmpCheckFactory, UserFactory
from tests.treatment.helpers import fill, prescribe

LOT = "KC-TR50-0177"
OTHER_NAME = "Casey Brook"
OTHER_PHONE = "+1 555 010 0199"
REASON = "Sub-potent on the manufacturer's stability testing."
REFERENCE = "FDA D-0412-2026"
CALL = "Told Jordan to stop using the troches of this lot; 6 left; bringing them in Friday."


def _dispensed_from_the_lot(people, patient, expires: dt.date) -> None:  # type: ignore[no-untyped-def]
    planned(people, patient)
    PdmpCheckFactory(patient=patient, checked_by=people.priya)
    rx = prescribe(people.priya, patient, refills=0, earliest_refill_on=None)
    fill(people.phil, rx, 8, lot_number=LOT, expires_on=expires)


def test_a_pharmacist_finds_who_received_a_lot_recalls_it_and_a_call_is_recorded(
    browsers: Browsers,
) -> None:
    people = clinic_a()
    expires = clinic_today(people.clinic) + dt.timedelta(days=365)
    _dispensed_from_the_lot(people, approved(people), expires)
    other = PatientFactory(
        clinic=people.clinic, legal_name=OTHER_NAME, phone=OTHER_PHONE, phase="approved"
    )
    _dispensed_from_the_lot(people, other, expires)
    UserFactory(
        clinic=people.clinic, username="cora", first_name="Cora", last_name="Lee", coordinator=True
    )

    phil = Person(browsers.page("desktop"), "desktop", photos=True)
    login(phil.page, "phil")
    nav(phil.page, "Recalls")
    phil.page.get_by_label("Lot number").fill(LOT)
    phil.page.get_by_role("button", name="Find who received it").click()
    expect(phil.page.get_by_role("heading", name=f"Who received lot {LOT}")).to_be_visible()
    table = phil.page.get_by_role("table")
    # Units received in the product's own word; the balance in the ledger account's unit.
    for text in (PATIENT_NAME, OTHER_NAME, OTHER_PHONE, SITTER_NAME, "8 troches", "8 tablets"):
        expect(table).to_contain_text(text)
    phil.page.get_by_label("Why the lot is recalled").fill(REASON)
    phil.page.get_by_label("Recall number").fill(REFERENCE)
    phil.screen("ws-recall-lookup")
    phil.page.get_by_role("button", name=f"Recall lot {LOT}").click()
    expect_message(phil.page, f"Lot {LOT} recalled: nothing more is dispensed from it.")
    assert Lot.objects.get(lot_number=LOT).is_recalled
    assert RecallTask.objects.count() == 2

    cora = Person(browsers.page("desktop"), "desktop", photos=True)
    login(cora.page, "cora")
    nav(cora.page, "Recalls")
    expect(cora.page.get_by_role("table")).to_contain_text("2 open")
    cora.page.get_by_role("link", name=f"Lot {LOT}").click()
    cora.page.get_by_label(f"What {PATIENT_NAME} was told, holds and will do").fill(CALL)
    cora.page.get_by_role("button", name=f"Record the call to {PATIENT_NAME}").click()
    expect_message(cora.page, f"The call to {PATIENT_NAME} about lot {LOT} is recorded.")
    expect(cora.page.get_by_role("table")).to_contain_text(CALL)
    cora.screen("ws-recall-calls")
    task = RecallTask.objects.get(patient__legal_name=PATIENT_NAME)
    assert (task.outcome, task.done_by.username if task.done_by else None) == (CALL, "cora")
    assert not RecallTask.objects.get(patient=other).is_done
