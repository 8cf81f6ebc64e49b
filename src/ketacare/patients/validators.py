from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from ketacare.kernel import clock

EARLIEST_BIRTH = dt.date(1900, 1, 1)


def validate_date_of_birth(value: dt.date) -> None:
    """A typing error (a future date, a year like 0985) must not become a record."""
    today = clock.localdate()
    if value > today:
        raise ValidationError("The date of birth is in the future.", code="future_birth")
    if value < EARLIEST_BIRTH:
        raise ValidationError(
            "The date of birth is before 1900; check the year.", code="implausible_birth"
        )
