"""Reading safety facts and rules: the one error, and the checks every input passes.

Nothing is coerced (bool is not int, 1.0 is not 1, NaN is rejected); a time must be
aware, and one said to be in the past must not be after `now`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ketacare.clinical import checks
from ketacare.clinical.safety.clock import utc, when


class InvalidSafetyInput(ValueError):
    """Safety facts or rules that cannot be read; the message names the field and its values."""


# Validation: nothing is coerced (bool is not int, 1.0 is not 1, NaN is rejected).


def _require_whole(name: str, value: object, *, minimum: int) -> None:
    checks.require_whole(name, value, minimum=minimum, error=InvalidSafetyInput)


def _require_bool(name: str, value: object) -> None:
    checks.require_bool(name, value, error=InvalidSafetyInput)


def require_span(name: str, value: object) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise InvalidSafetyInput(f"{name} must be a timedelta of zero or more, not {value!r}.")


def _require_mg(name: str, value: object, *, zero_allowed: bool = False) -> None:
    checks.require_amount(name, value, "mg", zero_allowed=zero_allowed, error=InvalidSafetyInput)


def require_aware(name: str, value: object) -> None:
    checks.require_aware(name, value, error=InvalidSafetyInput)


def require_not_after_now(name: str, at: datetime, now: datetime) -> None:
    if utc(at) > utc(now):
        raise InvalidSafetyInput(f"{name} {when(at)} is after now {when(now)}.")
