"""A destruction witnessed by two accounts: recorded by a pharmacist, confirmed by each witness.

Phil (pharmacist) destroys expired troches naming Priya (prescriber) and Alice (clinician);
each signs in to her own account in her own browser and confirms; the record then shows
both confirmations with their times.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from ketacare.pharmacy.models import Destruction
from tests.browser.conftest import Browsers
from tests.browser.helpers import Person, expect_message, login
from tests.browser.states import clinic_a
from tests.pharmacy.destroying import lot_of


def test_a_destruction_is_witnessed_by_two_accounts(browsers: Browsers) -> None:
    people = clinic_a()
    lot = lot_of(people.clinic, lot_number="LOT-2024-09")
    phil = Person(browsers.page("desktop"), "desktop", photos=True)
    login(phil.page, "phil")
    phil.page.goto(f"/workspace/stock/lots/{lot.pk}/destroy/")
    phil.screen("ws-stock-destroy")
    phil.page.get_by_label("Units destroyed").fill("12")
    phil.page.get_by_label("Method").select_option("chemical_digestion")
    phil.page.get_by_label("Reason").select_option("expired")
    phil.page.get_by_label("First witness").select_option(label="Priya Shah")
    phil.page.get_by_label("Second witness").select_option(label="Alice Moreno")
    phil.page.get_by_role("button", name="Record the destruction").click()
    expect_message(phil.page, "Destruction recorded: 12 troches of lot LOT-2024-09")
    expect(phil.page.locator("#destruction-state")).to_contain_text(
        "Awaiting confirmation by Priya Shah"
    )
    done = Destruction.objects.get()

    for username in ("priya", "alice"):
        witness = Person(browsers.page("desktop"), "desktop", photos=False)
        login(witness.page, username)
        nav = witness.page.get_by_role("navigation", name="Main")
        nav.get_by_role("link", name=re.compile("^Destructions")).click()
        witness.page.get_by_role("button", name=f"Confirm destruction {done.pk}").click()
        expect_message(witness.page, f"You confirmed destruction {done.pk}")
        if username == "priya":  # the list shows, in red, whose confirmation it awaits
            phil.page.goto("/workspace/stock/destructions/")
            expect(phil.page.get_by_role("table")).to_contain_text(
                "Awaiting confirmation by Alice Moreno"
            )
            phil.screen("ws-destructions")

    phil.page.goto(f"/workspace/stock/destructions/{done.pk}/")
    expect(phil.page.locator("#destruction-state")).to_contain_text("Both witnesses confirmed")
    done.refresh_from_db()
    assert done.first_confirmed_at is not None
    assert done.second_confirmed_at is not None
    for cell in ("#first-confirmed", "#second-confirmed"):
        expect(phil.page.locator(f"{cell} time")).to_have_attribute(
            "datetime", re.compile(r"^\d{4}-\d\d-\d\dT")
        )
    phil.screen("ws-destruction")
