"""Commands: what a use case is given, validated once for every face.

Each app writes its commands as `Spec` subclasses (pydantic models) in its `specs.py`.
The API takes a spec as its request body; a web form or a command builds one with
`read`; a service takes (actor, target, spec) and never checks a field's shape again.
Bounds come from `ketacare.clinical`, so each range is written once.

The field types below refuse in the reader's words ("Give a number of mg, more than
zero."), the same words whichever face the value came through. Nothing is coerced
silently: a bool is not a number, 1.5 is not a whole number, "" is not a date.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

import pydantic
from django.core.exceptions import ValidationError
from pydantic import BaseModel, ConfigDict, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

S = TypeVar("S", bound="Spec")


class Spec(BaseModel):
    """A use case's command: validated on construction, then read-only."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def field_errors(exc: pydantic.ValidationError) -> dict[str, str]:
    """The first message for each bad field, by its dotted path ("formulation.kind")."""
    by_field: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in error["loc"] if not _is_type_tag(part))
        by_field.setdefault(path or "__all__", error["msg"])
    return by_field


def _is_type_tag(part: object) -> bool:
    # pydantic names the member of a union it tried ("function-plain[...]"); not a field.
    return isinstance(part, str) and ("[" in part or part.startswith(("constrained-", "function-")))


def read(spec: type[S], data: Mapping[str, Any]) -> S:
    """`data` (a form's cleaned data, a command's options) as `spec`.

    Refused with one Django ValidationError naming every bad field by its path, which
    the web maps onto the form and the API onto its error body.
    """
    try:
        return spec.model_validate(dict(data))
    except pydantic.ValidationError as exc:
        raise ValidationError(field_errors(exc)) from None


def refuse(kind: str, message: str, **context: object) -> PydanticCustomError:
    """A field's refusal, in words; `context` fills the {placeholders} of `message`."""
    return PydanticCustomError(kind, message, context)


def _checked(
    check: Callable[[Any], Any], schema: dict[str, Any]
) -> tuple[PlainValidator, WithJsonSchema]:
    return PlainValidator(check), WithJsonSchema(schema)


def amount(unit: str, *, places: int, zero_allowed: bool = False, most: float = 1e9) -> Any:
    """A Decimal above zero (or zero) with at most `places` decimal places, at most `most`."""
    allowed = "zero or more" if zero_allowed else "more than zero"

    def check(value: object) -> Decimal:
        number: Decimal | None = None
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int | float | str) and not isinstance(value, bool):
            with contextlib.suppress(InvalidOperation):
                number = Decimal(str(value).strip())
        if (
            number is None
            or not number.is_finite()
            or number < 0
            or (number == 0 and not zero_allowed)
            or number > Decimal(str(most))
        ):
            raise refuse(
                "amount", "Give a number of {unit}, {allowed}.", unit=unit, allowed=allowed
            )
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            raise refuse(
                "places",
                "Give the number of {unit} with at most {places} decimal places.",
                unit=unit,
                places=places,
            )
        return number

    bound = "minimum" if zero_allowed else "exclusiveMinimum"
    return Annotated[Decimal, *_checked(check, {"type": "number", bound: 0, "maximum": most})]


def positive(unit: str, *, most: float = 1e9) -> Any:
    """A float above zero (as the clinical core reads numbers), at most `most`."""

    def check(value: object) -> float:
        number = math.nan
        if isinstance(value, int | float | Decimal | str) and not isinstance(value, bool):
            with contextlib.suppress(ValueError):
                number = float(value)
        if not math.isfinite(number) or number <= 0 or number > most:
            raise refuse("positive", "Give a number of {unit}, more than zero.", unit=unit)
        return number

    return Annotated[
        float, *_checked(check, {"type": "number", "exclusiveMinimum": 0, "maximum": most})
    ]


def whole(what: str, *, minimum: int, most: int = 1_000_000_000) -> Any:
    """A whole number (not a bool, not 1.0) from `minimum` to `most`."""

    def check(value: object) -> int:
        if type(value) is not int or not minimum <= value <= most:
            raise refuse(
                "whole",
                "Give {what} as a whole number of at least {minimum}.",
                what=what,
                minimum=minimum,
            )
        return value

    schema = {"type": "integer", "minimum": minimum, "maximum": most}
    return Annotated[int, *_checked(check, schema)]


def _yes_no(value: object) -> bool:
    if type(value) is not bool:
        raise refuse("yes_no", "Answer yes or no (true or false).")
    return value


YesNo = Annotated[bool, *_checked(_yes_no, {"type": "boolean"})]


def text(max_length: int, *, required: str = "") -> Any:
    """Text, stripped, at most `max_length` characters; `required`: the message when empty."""

    def check(value: object) -> str:
        if not isinstance(value, str):
            raise refuse("text", required or "Give text.")
        stripped = value.strip()
        if required and not stripped:
            raise refuse("required", required)
        if len(stripped) > max_length:
            raise refuse("too_long", "Keep it to {most} characters.", most=max_length)
        if "\x00" in stripped:
            raise refuse("text", "Give text without control characters.")
        return stripped

    return Annotated[str, *_checked(check, {"type": "string", "maxLength": max_length})]


def _day(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value)
    raise refuse("date", "Give a date (YYYY-MM-DD).")


def _time_of_day(value: object) -> time:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = time.fromisoformat(value)
    if isinstance(value, time) and value.tzinfo is None:
        return value
    raise refuse("time", "Give a time of day on the patient's clock (HH:MM).")


def _moment(value: object) -> datetime:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.utcoffset() is not None:
        # Stored as UTC: a database keeps offsets of at most a few hours, and a moment
        # too close to year 1 to be written in UTC is no moment of this clinic's.
        with contextlib.suppress(OverflowError):
            return value.astimezone(UTC)
    raise refuse("moment", "Give a date and time with its time zone.")


Day = Annotated[date, *_checked(_day, {"type": "string", "format": "date"})]
TimeOfDay = Annotated[time, *_checked(_time_of_day, {"type": "string", "format": "time"})]
Moment = Annotated[datetime, *_checked(_moment, {"type": "string", "format": "date-time"})]


def choice(choices: Any) -> Any:
    """One of a str enum's values (Django's TextChoices), as the enum member."""
    values = [str(member.value) for member in choices]

    def check(value: object) -> Any:
        if isinstance(value, str) and value in values:
            return choices(value)
        raise refuse("choice", "Choose one of: {values}.", values=", ".join(values))

    return Annotated[choices, *_checked(check, {"type": "string", "enum": values})]
