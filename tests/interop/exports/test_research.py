"""Research exports: no name, contact, birth date or free text; keyed ids; shifted dates."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

import pytest
from django.test import override_settings

from ketacare.accounts.models import User
from ketacare.interop.exports.people import age_at_registration
from ketacare.interop.exports.pseudonyms import MAX_SHIFT_DAYS, Pseudonymiser, research_key
from ketacare.patients.models import Patient
from tests.interop.exports.helpers import FREE_TEXTS
from tests.interop.exports.test_exports import MONDAY, run

pytestmark = pytest.mark.django_db

KEY = "research-key-for-tests-0123456789abcdef"


def _identifying_values(pat: Patient) -> list[str]:
    sitter = pat.sitters.get()
    return [
        pat.legal_name,
        pat.phone,
        pat.email,
        pat.emergency_contact_name,
        pat.emergency_contact_phone,
        pat.date_of_birth.isoformat(),
        pat.record_number,
        sitter.name,
        sitter.phone,
        *FREE_TEXTS,
    ]


@override_settings(KETACARE_RESEARCH_KEY=KEY)
def test_no_cell_of_any_file_holds_a_name_contact_birth_date_or_free_text(
    pat: Patient, clinic_admin: User
) -> None:
    files = run(clinic_admin, pat.clinic, research=True)
    cells = [v for rows in files.values() for row in rows for v in row.values()]
    headers = [h for rows in files.values() for row in rows[:1] for h in row]
    assert cells
    for value in _identifying_values(pat):
        assert not [c for c in cells if value in c], value
    for gone in ("legal_name", "phone", "email", "date_of_birth", "notes", "description", "note"):
        assert gone not in headers


@override_settings(KETACARE_RESEARCH_KEY=KEY)
def test_ids_are_keyed_hashes(pat: Patient, clinic_admin: User) -> None:
    files = run(clinic_admin, pat.clinic, research=True)
    expected = hmac.new(KEY.encode(), f"patient:{pat.pk}".encode(), hashlib.sha256).hexdigest()
    for name, rows in files.items():
        assert {row["patient_id"] for row in rows} == {expected}, name
    [dose] = files["doses.csv"]
    user = hmac.new(KEY.encode(), f"user:{pat.user_id}".encode(), hashlib.sha256).hexdigest()
    assert dose["dose_recorded_by_user_id"] == user
    assert files["check_ins.csv"][0]["session_id"] == dose["session_id"] != ""


@override_settings(KETACARE_RESEARCH_KEY=KEY)
def test_dates_move_by_one_shift_per_patient_and_intervals_are_kept(
    pat: Patient, clinic_admin: User
) -> None:
    plain = run(clinic_admin, pat.clinic, last_day=MONDAY + timedelta(days=400))
    shifted = run(
        clinic_admin,
        pat.clinic,
        first_day=MONDAY - timedelta(days=400),
        last_day=MONDAY + timedelta(days=400),
        research=True,
    )
    shift = Pseudonymiser(KEY.encode()).shift(pat.pk)
    assert shift != timedelta(0)
    assert abs(shift.days) <= MAX_SHIFT_DAYS
    for name, rows in shifted.items():
        for before, after in zip(plain[name], rows, strict=True):
            for column, value in after.items():
                if column.endswith("_utc") and value:
                    moved = datetime.fromisoformat(before[column]) + shift
                    assert datetime.fromisoformat(value) == moved, (name, column)


def test_without_the_setting_the_key_comes_from_the_secret_key(pat: Patient) -> None:
    with override_settings(KETACARE_RESEARCH_KEY=None, SECRET_KEY="one-secret-" * 5):
        first = research_key()
        assert first == research_key()
    with override_settings(KETACARE_RESEARCH_KEY=None, SECRET_KEY="another-secret-" * 5):
        assert research_key() != first
    with override_settings(KETACARE_RESEARCH_KEY=KEY):
        assert research_key() == KEY.encode()


def test_a_shift_stays_within_its_bounds() -> None:
    pseudonyms = Pseudonymiser(b"k")
    days = {pseudonyms.shift(pk).days for pk in range(2000)}
    assert min(days) >= -MAX_SHIFT_DAYS
    assert max(days) <= MAX_SHIFT_DAYS
    assert len(days) > 300  # spread over the whole range


def test_an_age_over_89_is_written_as_90_or_older(pat: Patient) -> None:
    born = pat.created_at.date().replace(year=pat.created_at.year - 93)
    pat.date_of_birth = born
    assert age_at_registration(pat) == "90+"
    pat.date_of_birth = pat.created_at.date().replace(year=pat.created_at.year - 89)
    assert age_at_registration(pat) == 89
