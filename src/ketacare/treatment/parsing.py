"""Reading the values a use case is given, collecting every bad field before refusing.

The services are called by the web views, the API and commands with plain values
(ints, floats, Decimals, ISO strings). Each reader returns the value in the type the
model stores, or None after noting the field's error; `Errors.raise_if_any` then
raises one ValidationError naming every bad field by its path ("formulation.kind").
Nothing is coerced silently: a bool is not a number, 1.5 is not a whole number.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models

_C = TypeVar("_C", bound=models.TextChoices)


class Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, str] = {}

    def add(self, path: str, message: str) -> None:
        self.by_field.setdefault(path, message)

    def __contains__(self, path: str) -> bool:
        return path in self.by_field or any(p.startswith(f"{path}.") for p in self.by_field)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(dict(self.by_field))


def refuse(path: str, message: str) -> ValidationError:
    return ValidationError({path: message})


def as_decimal(  # noqa: PLR0913 - the value, where it goes, and its allowed shape
    value: object,
    path: str,
    errors: Errors,
    *,
    places: int,
    unit: str,
    zero_allowed: bool = False,
) -> Decimal | None:
    """A number above zero (or zero when allowed) with at most `places` decimal places."""
    number: Decimal | None = None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            number = None
    allowed = "zero or more" if zero_allowed else "more than zero"
    if number is None or not number.is_finite() or number < 0 or (number == 0 and not zero_allowed):
        errors.add(path, f"Give a number of {unit}, {allowed}.")
        return None
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        errors.add(path, f"Give the number of {unit} with at most {places} decimal places.")
        return None
    return number


def as_float(value: object, path: str, errors: Errors, *, unit: str) -> float | None:
    """A number above zero, as the clinical core reads it (a float)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        errors.add(path, f"Give a number of {unit}, more than zero.")
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        errors.add(path, f"Give a number of {unit}, more than zero.")
        return None
    return number


def as_whole(value: object, path: str, errors: Errors, *, minimum: int, what: str) -> int | None:
    if type(value) is not int or value < minimum:
        errors.add(path, f"Give {what} as a whole number of at least {minimum}.")
        return None
    return value


def as_bool(value: object, path: str, errors: Errors) -> bool | None:
    if type(value) is not bool:
        errors.add(path, "Answer yes or no (true or false).")
        return None
    return value


def as_choice(value: object, choices: type[_C], path: str, errors: Errors) -> _C | None:
    if isinstance(value, str) and value in choices.values:
        return choices(value)
    errors.add(path, f"Choose one of: {', '.join(choices.values)}.")
    return None


def as_choices(values: object, choices: type[_C], path: str, errors: Errors) -> list[_C] | None:
    """A list of distinct choices (in the order given, repeats dropped)."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        errors.add(path, f"Give a list of: {', '.join(choices.values)}.")
        return None
    picked: list[_C] = []
    for value in values:
        choice = as_choice(value, choices, path, errors)
        if choice is None:
            return None
        if choice not in picked:
            picked.append(choice)
    return picked


def as_text(
    value: object, path: str, errors: Errors, *, max_length: int, required: str = ""
) -> str:
    """Text, stripped; `required` is the message when it may not be empty."""
    if not isinstance(value, str):
        errors.add(path, required or "Give text.")
        return ""
    text = value.strip()
    if required and not text:
        errors.add(path, required)
    elif len(text) > max_length:
        errors.add(path, f"Keep it to {max_length} characters.")
    return text


def as_date(value: object, path: str, errors: Errors) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    errors.add(path, "Give a date (YYYY-MM-DD).")
    return None


def as_time(value: object, path: str, errors: Errors) -> time | None:
    """A time of day on the patient's clock (no time zone)."""
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = time.fromisoformat(value)
    if isinstance(value, time) and value.tzinfo is None:
        return value
    errors.add(path, "Give a time of day on the patient's clock (HH:MM).")
    return None


def as_aware(value: object, path: str, errors: Errors) -> datetime | None:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return value
    errors.add(path, "Give a date and time with its time zone.")
    return None
