"""A clinician reads the cohort outcome report from the staff navigation, on a desk screen."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import Browsers
from tests.browser.helpers import Person, login, nav
from tests.browser.states import clinic_a
from tests.factories import ClinicFactory
from tests.reports.cohort_helpers import build_cohort, build_varied


def test_a_clinician_reads_the_cohort_report(browsers: Browsers) -> None:
    people = clinic_a()
    build_cohort(people.clinic, ClinicFactory(name="Another Clinic"))
    build_varied(people.clinic, 27)
    alice = Person(browsers.page("desktop"), "desktop", photos=True)
    page = alice.page
    login(page, "alice")
    nav(page, "Cohort report")
    page.get_by_label("First dose from").fill("2026-01-01")
    page.get_by_label("First dose to").fill("2026-01-31")
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Riverside Ketamine Clinic")
    counts = page.get_by_role("region", name="Patients counted")
    expect(counts.get_by_role("row", name="Treated (at least one dose)")).to_contain_text("30")
    rates = page.get_by_role("region", name="Response, remission and worsening")
    expect(rates.get_by_role("img").first).to_be_visible()
    expect(page.get_by_role("region", name="Adverse events")).to_contain_text("Moderate")
    expect(page.get_by_role("region", name="How each number is defined")).to_contain_text(
        "the last score before the first dose"
    )
    alice.screen("ws-cohort-report")
