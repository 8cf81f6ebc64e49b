"""kernel.specs: each field type refuses in the reader's words, whichever face it came from."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from hypothesis import given
from hypothesis import strategies as st

from ketacare.kernel import specs


class Kind(models.TextChoices):
    TROCHE = "troche", "Troche"
    SPRAY = "nasal_spray", "Nasal spray"


class Inner(specs.Spec):
    kind: specs.choice(Kind)  # type: ignore[valid-type]


class Order(specs.Spec):
    dose: specs.amount("mg", places=2)  # type: ignore[valid-type]
    per_kg: specs.positive("mg/kg", most=100) | None = None  # type: ignore[valid-type]
    units: specs.whole("the units", minimum=1)  # type: ignore[valid-type]
    sure: specs.YesNo = True
    note: specs.text(10, required="Say why.")  # type: ignore[valid-type]
    day: specs.Day | None = None
    at: specs.TimeOfDay | None = None
    when: specs.Moment | None = None
    inner: Inner | None = None


GOOD = {"dose": "12.5", "units": 3, "note": " why "}


def _errors(**changes: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        specs.read(Order, {**GOOD, **changes})
    return {path: messages[0] for path, messages in caught.value.message_dict.items()}


def test_a_good_command_is_read_in_the_types_the_models_store() -> None:
    order = specs.read(
        Order,
        {
            **GOOD,
            "day": "2026-03-01",
            "at": "18:00",
            "when": "2026-03-01T18:00:00+01:00",
            "inner": {"kind": "troche"},
        },
    )
    assert order.dose == Decimal("12.5")
    assert order.note == "why"
    assert order.day == date(2026, 3, 1)
    assert order.at == time(18, 0)
    assert order.when is not None
    assert order.when.utcoffset() is not None
    assert order.inner is not None
    assert order.inner.kind is Kind.TROCHE


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        ({"dose": 0}, "dose", "Give a number of mg, more than zero."),
        ({"dose": True}, "dose", "Give a number of mg, more than zero."),
        ({"dose": "abc"}, "dose", "Give a number of mg, more than zero."),
        ({"dose": "1.234"}, "dose", "Give the number of mg with at most 2 decimal places."),
        ({"per_kg": 101}, "per_kg", "Give a number of mg/kg, more than zero."),
        ({"per_kg": "nan"}, "per_kg", "Give a number of mg/kg, more than zero."),
        ({"units": 1.0}, "units", "Give the units as a whole number of at least 1."),
        ({"units": 0}, "units", "Give the units as a whole number of at least 1."),
        ({"sure": "yes"}, "sure", "Answer yes or no (true or false)."),
        ({"note": "  "}, "note", "Say why."),
        ({"note": "x" * 11}, "note", "Keep it to 10 characters."),
        ({"note": 5}, "note", "Say why."),
        ({"day": ""}, "day", "Give a date (YYYY-MM-DD)."),
        ({"at": "18:00+01:00"}, "at", "Give a time of day on the patient's clock (HH:MM)."),
        ({"when": "2026-03-01T18:00"}, "when", "Give a date and time with its time zone."),
        ({"inner": {"kind": "pill"}}, "inner.kind", "Choose one of: troche, nasal_spray."),
        ({"extra": 1}, "extra", "Extra inputs are not permitted"),
    ],
)
def test_a_bad_field_is_refused_by_its_path_in_words(
    changes: dict[str, object], path: str, message: str
) -> None:
    assert _errors(**changes) == {path: message}


def test_every_bad_field_is_named_at_once() -> None:
    assert set(_errors(dose=-1, units="2", note="")) == {"dose", "units", "note"}


def test_the_types_describe_themselves_to_openapi() -> None:
    schema = Order.model_json_schema()["properties"]
    assert schema["dose"] == {
        "type": "number",
        "exclusiveMinimum": 0,
        "maximum": 1e9,
        "title": "Dose",
    }
    assert schema["units"]["minimum"] == 1
    assert schema["note"]["maxLength"] == 10
    assert Inner.model_json_schema()["properties"]["kind"]["enum"] == ["troche", "nasal_spray"]


def test_a_spec_is_read_only() -> None:
    order = specs.read(Order, GOOD)
    with pytest.raises(ValueError, match="frozen"):
        order.dose = Decimal(1)  # type: ignore[misc]


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10_000), places=2))
def test_any_amount_in_range_with_its_places_is_kept_exactly(value: Decimal) -> None:
    assert specs.read(Order, {**GOOD, "dose": str(value)}).dose == value


def test_a_moment_is_kept_in_utc_whatever_offset_it_came_with() -> None:
    order = specs.read(Order, {**GOOD, "when": "0033-07-18T13:42:25-19:01"})
    assert order.when is not None
    assert order.when.utcoffset() == timedelta(0)
    assert order.when.isoformat() == "0033-07-19T08:43:25+00:00"
    assert _errors(when="0001-01-01T00:00:00+01:00") == {
        "when": "Give a date and time with its time zone."
    }
