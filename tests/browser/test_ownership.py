"""Ownership in the browser: another patient's or another clinic's record is "Not found"."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ketacare.accounts.roles import Role
from tests.browser.conftest import Browsers
from tests.browser.helpers import assert_no_horizontal_scroll, login
from tests.browser.states import clinic_a, session_started, stocked
from tests.factories import ClinicFactory, PatientFactory, SitterFactory, UserFactory


def assert_not_found(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == 404, f"{path}: {response.status}"
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    # The 404 page says nothing of the record: no name, no session detail.
    expect(page.locator("main")).not_to_contain_text("Jordan")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_patient_cannot_open_another_patients_session(browsers: Browsers, device: str) -> None:
    people = clinic_a()
    jordan = stocked(people)
    session = session_started(people, jordan)
    olive = PatientFactory(
        clinic=people.clinic, with_account=True, user__username="olive", legal_name="Olive Other"
    )
    assert olive.user is not None

    page = browsers.page(device)
    login(page, "olive")
    for path in (
        f"/portal/session/{session.pk}/",
        f"/portal/session/{session.pk}/check-in/",
        f"/portal/session/{session.pk}/adverse-event/",
    ):
        assert_not_found(page, path)
        if device == "phone":
            assert_no_horizontal_scroll(page)

    # Jordan, on the same URL, sees the session.
    own = browsers.page(device)
    login(own, "jordan")
    own.goto(f"/portal/session/{session.pk}/")
    expect(own.get_by_role("heading", level=1)).to_contain_text("My session")


def test_staff_of_another_clinic_and_another_sitter_see_nothing(browsers: Browsers) -> None:
    people = clinic_a()
    jordan = stocked(people)
    clinic_b = ClinicFactory(name="Clinic B")
    UserFactory(clinic=clinic_b, prescriber=True, username="charlie")
    stranger = PatientFactory(clinic=people.clinic)
    SitterFactory(
        clinic=people.clinic,
        patients=[stranger],
        user__username="sasha",
        user__roles=[Role.SITTER],
    )

    charlie = browsers.page("desktop")
    login(charlie, "charlie")
    for path in (
        f"/workspace/patients/{jordan.pk}/",
        f"/workspace/patients/{jordan.pk}/edit/",
        f"/workspace/patients/{jordan.pk}/intake-review/",
        f"/workspace/patients/{jordan.pk}/plan/",
        f"/workspace/patients/{jordan.pk}/prescriptions/",
        f"/workspace/patients/{jordan.pk}/dispense/",
    ):
        assert_not_found(charlie, path)

    sasha = browsers.page("phone")
    login(sasha, "sasha")
    assert_not_found(sasha, f"/portal/sitter/{jordan.pk}/")
