from __future__ import annotations

import re
import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError

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
