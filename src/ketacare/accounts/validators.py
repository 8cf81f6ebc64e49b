from __future__ import annotations

import re
import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError

from ketacare.accounts.identifiers import is_valid_dea, is_valid_npi

_PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-.]+$")


@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in _timezones():
        raise ValidationError(
            "%(value)s is not a time zone name; use one like Europe/London or America/New_York.",
            params={"value": value},
            code="invalid_timezone",
        )


def validate_phone(value: str) -> None:
    digits = sum(ch.isdigit() for ch in value)
    if not _PHONE_CHARS.match(value) or not 3 <= digits <= 15:  # noqa: PLR2004 - 3 for 911/999/112, 15 is E.164's maximum
        raise ValidationError(
            "Enter a phone number of 3 to 15 digits (spaces, +, -, brackets allowed).",
            code="invalid_phone",
        )


def validate_dea_number(value: str) -> None:
    if not is_valid_dea(value):
        raise ValidationError(
            "Enter the DEA registration number as on the certificate: two letters and "
            "seven digits, the last a check digit (for example AB1234563).",
            code="invalid_dea_number",
        )


def validate_npi(value: str) -> None:
    if not is_valid_npi(value):
        raise ValidationError(
            "Enter the 10-digit NPI as the NPPES registry lists it; these digits do not "
            "pass its check digit.",
            code="invalid_npi",
        )
