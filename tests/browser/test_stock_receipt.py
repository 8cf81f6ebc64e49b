"""A receipt of stock in the browser: recorded by the pharmacist, verified by a second person.

Phil (pharmacist) records a delivery: the stock page shows it awaiting a second person and
nothing on hand. Priya (prescriber) signs in at her own browser, counts it and verifies
it with her count: the lot's page then shows the units on hand and the book's entry.
With KETACARE_SCREENSHOTS=1 both screens are written to docs/screenshots.
"""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from ketacare.pharmacy.models import Lot, Receipt
from ketacare.pharmacy.queries.stock import clinic_today
from tests.browser.conftest import Browsers
from tests.browser.helpers import Person, expect_message, login, nav
from tests.browser.states import clinic_a

LOT = "KC-TR50-0142"


def _record_delivery(phil: Person, expires: dt.date) -> None:
    page = phil.page
    nav(page, "Stock")
    page.get_by_role("link", name="Record a receipt of stock").click()
    phil.screen("ws-stock-receive")
    page.get_by_role("textbox", name="Supplier", exact=True).fill("Compounding Pharmacy of Record")
    page.get_by_label("Supplier's DEA number").fill("AB1234563")
    page.get_by_label("Invoice number").fill("INV-2026-118")
    page.get_by_label("Product (as the label names it)").fill("Ketamine HCl 50 mg troche")
    page.get_by_label("Kind of product").select_option("troche")
    page.get_by_label("Strength (mg per tablet)").fill("50")
    page.get_by_label("Scored (may be halved)").check()
    page.get_by_label("Lot number").fill(LOT)
    page.get_by_label("Expiry date").fill(expires.isoformat())
    page.get_by_label("Units received").fill("120")
    with page.expect_navigation(url=re.compile(r"/workspace/stock/$"), timeout=30_000):
        page.get_by_role("button", name="Record the receipt").click()


def test_a_receipt_is_verified_by_a_second_person(browsers: Browsers) -> None:
    people = clinic_a()
    expires = clinic_today(people.clinic) + dt.timedelta(days=365)
    phil = Person(browsers.page("desktop"), "desktop", photos=True)
    login(phil.page, "phil")
    _record_delivery(phil, expires)
    expect_message(phil.page, re.compile(r"Receipt \d+ recorded"))
    receipt = Receipt.objects.get()
    expect_message(phil.page, f"Receipt {receipt.pk} recorded: lot {LOT}, 120 troches")
    expect(phil.page.get_by_text("Awaiting another pharmacist or prescriber")).to_be_visible()
    stock = phil.page.get_by_role("table", name="Ketamine HCl 50 mg troche")
    expect(stock).to_contain_text("0 troches on hand")
    phil.screen("ws-stock-receipt-pending")
    assert Lot.objects.get().on_hand == 0

    priya = Person(browsers.page("desktop"), "desktop", photos=True)
    login(priya.page, "priya")
    nav(priya.page, "Stock")
    priya.page.get_by_label(f"Units you counted (receipt {receipt.pk})").fill("120")
    priya.page.get_by_role("button", name=f"Verify receipt {receipt.pk}").click()
    expect_message(priya.page, f"Receipt {receipt.pk} verified")
    expect(priya.page.get_by_text("No receipt awaits a second person")).to_be_visible()
    priya.page.get_by_role("link", name=f"Lot {LOT}").click()
    expect(priya.page.get_by_role("heading", name=f"Lot {LOT}")).to_be_visible()
    expect(priya.page.get_by_role("table")).to_contain_text("120 troches")
    priya.screen("ws-stock-lot")
    lot = Lot.objects.get()
    assert lot.on_hand == 120
    assert Receipt.objects.get().verified_by == people.priya
