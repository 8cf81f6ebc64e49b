"""A prescriber's DEA registration number and NPI: format and check digit (tier 1, no DB)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from ketacare.accounts.identifiers import (
    dea_check_digit,
    is_valid_dea,
    is_valid_npi,
    npi_check_digit,
)
from ketacare.accounts.validators import validate_dea_number, validate_npi

letters = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2)
six_digits = st.text(alphabet="0123456789", min_size=6, max_size=6)
nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(letters, six_digits)
def test_a_dea_number_with_its_check_digit_is_valid(prefix: str, digits: str) -> None:
    assert is_valid_dea(f"{prefix}{digits}{dea_check_digit(digits)}")


@given(letters, six_digits, st.integers(1, 9))
def test_any_other_last_digit_is_refused(prefix: str, digits: str, shift: int) -> None:
    wrong = (dea_check_digit(digits) + shift) % 10
    assert not is_valid_dea(f"{prefix}{digits}{wrong}")


@given(nine_digits)
def test_an_npi_with_its_luhn_digit_is_valid(digits: str) -> None:
    assert is_valid_npi(f"{digits}{npi_check_digit(digits)}")


@given(nine_digits, st.integers(0, 8), st.integers(1, 9))
def test_an_npi_with_one_digit_changed_is_refused(digits: str, at: int, shift: int) -> None:
    changed = digits[:at] + str((int(digits[at]) + shift) % 10) + digits[at + 1 :]
    assert not is_valid_npi(f"{changed}{npi_check_digit(digits)}")


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("AB1234563", True),  # (1+3+5) + 2*(2+4+6) = 33: check digit 3
        ("AB1234564", False),
        ("ab1234563", False),  # capital letters, as on the certificate
        ("A11234563", False),  # two letters
        ("AB123456", False),  # seven digits
        ("AB12345634", False),
        ("", False),
    ],
)
def test_dea_number_format_and_check_digit(value: str, valid: bool) -> None:
    assert is_valid_dea(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("1234567893", True),  # CMS's worked example: Luhn over 80840123456789 gives 3
        ("1234567890", False),
        ("123456789", False),
        ("12345678931", False),
        ("123456789X", False),
    ],
)
def test_npi_format_and_luhn_digit(value: str, valid: bool) -> None:
    assert is_valid_npi(value) is valid


def test_the_validators_say_what_to_enter() -> None:
    with pytest.raises(ValidationError, match="two letters and seven digits"):
        validate_dea_number("AB1234564")
    with pytest.raises(ValidationError, match="10-digit NPI"):
        validate_npi("1234567890")
    validate_dea_number("AB1234563")
    validate_npi("1234567893")
