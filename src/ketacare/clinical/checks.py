"""Input checks the clinical modules share.

Nothing is coerced: a bool is not a number, 1.0 is not a whole number, NaN is no
amount, a naive datetime has no clock.

Each module raises its own ValueError subclass (`error=`), so callers can tell
which rule refused the input; the message names the field and what is allowed.
"""

from __future__ import annotations

import math
from datetime import datetime


def require_bool(name: str, value: object, *, error: type[ValueError]) -> None:
    if type(value) is not bool:
        raise error(f"{name} must be True or False, not {value!r}.")


def require_whole(name: str, value: object, *, minimum: int, error: type[ValueError]) -> None:
    if type(value) is not int or value < minimum:
        raise error(f"{name} must be a whole number of at least {minimum}, not {value!r}.")


def require_aware(name: str, value: object, *, error: type[ValueError]) -> None:
    # utcoffset() is None for a naive datetime (whose clock? which side of a DST change?)
    # and for a tzinfo that cannot answer.
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise error(f"{name} must be an aware datetime (with a time zone), not {value!r}.")


def require_amount(
    name: str, value: object, unit: str, *, zero_allowed: bool = False, error: type[ValueError]
) -> None:
    """A finite number of `unit`, above zero (or zero too when `zero_allowed`)."""
    number = not isinstance(value, bool) and isinstance(value, int | float)
    if (
        not number
        or not math.isfinite(value)  # type: ignore[arg-type]
        or value < 0  # type: ignore[operator]
        or (value == 0 and not zero_allowed)
    ):
        allowed = "zero or more" if zero_allowed else "more than zero"
        raise error(f"{name} must be a number of {unit}, {allowed}, not {value!r}.")
