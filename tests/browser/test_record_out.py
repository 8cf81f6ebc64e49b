"""The record leaves the clinic: an administrator downloads an export, a patient their record.

The administrator picks the days and the records on the Exports page and gets a zip of
CSV files; the patient opens "Your record" from the portal's menu, reads it in plain
words and downloads the printable copy (a PDF) and the FHIR copy.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

from playwright.sync_api import expect

from tests.browser import states
from tests.browser.conftest import Browsers
from tests.browser.helpers import Person, login
from tests.factories import UserFactory


def test_an_administrator_exports_and_a_patient_downloads_their_record(
    browsers: Browsers,
) -> None:
    people = states.clinic_a()
    states.stocked(people)
    UserFactory(clinic=people.clinic, clinic_admin=True, username="ada", first_name="Ada")

    ada = Person(browsers.page("desktop"), "desktop", photos=True)
    login(ada.page, "ada")
    ada.page.get_by_role("link", name="Exports").click()
    expect(ada.page.get_by_role("heading", level=1)).to_contain_text("Exports")
    ada.screen("ws-exports")
    with ada.page.expect_download() as download:
        ada.page.get_by_role("button", name="Download the zip").click()
    path = download.value.path()
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        patients = archive.read(next(n for n in names if n.startswith("patients"))).decode()
    assert any(n.startswith("questionnaire_responses") for n in names)
    assert states.PATIENT_NAME in patients

    jordan = Person(browsers.page("phone"), "phone", photos=True)
    login(jordan.page, states.PATIENT_USERNAME)
    jordan.page.get_by_role("link", name="Your record").click()
    expect(jordan.page.get_by_role("heading", level=1)).to_have_text("Your record")
    jordan.screen("portal-own-record")
    with jordan.page.expect_download() as pdf:
        jordan.page.get_by_role("link", name=re.compile("printable copy")).click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF-")
    with jordan.page.expect_download() as fhir:
        jordan.page.get_by_role("link", name=re.compile("FHIR")).click()
    bundle = json.loads(Path(fhir.value.path()).read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle"
    assert bundle["entry"][0]["resource"]["resourceType"] == "Patient"
