"""The shapes every questionnaire shares: definitions, answers, scores, errors.

Each instrument module defines one `Instrument` and its scoring function; the
package (`ketacare.clinical.instruments`) registers them by code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

# The flags a score may raise (fixed vocabulary; safety rules and alerts read them).
SUICIDALITY = "suicidality"
POSITIVE_SCREEN = "positive_screen"
PROBABLE_PTSD = "probable_ptsd"
PROVISIONAL_PTSD_DX = "provisional_ptsd_dx"
FLAGS = frozenset({SUICIDALITY, POSITIVE_SCREEN, PROBABLE_PTSD, PROVISIONAL_PTSD_DX})


class InvalidAnswers(ValueError):
    """Answers that cannot be scored; the message names the item and the allowed values."""


@dataclass(frozen=True)
class Choice:
    value: int
    label: str


# The value of a question not asked because its gate was answered no (CLINICAL.md A8).
NOT_ASKED = 0


@dataclass(frozen=True)
class Item:
    number: int  # 1-based, as printed on the form
    text: str
    choices: tuple[Choice, ...]
    loinc: str | None = None
    scored: bool = True  # PHQ-9 item 10 (difficulty) is recorded but not scored
    # The item asked only after a yes to this one (C-SSRS, CLINICAL.md A8); not asked,
    # it is answered NOT_ASKED.
    asked_only_if: int | None = None

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(c.value for c in self.choices)


@dataclass(frozen=True)
class Band:
    label: str
    low: int  # inclusive
    high: int  # inclusive


@dataclass(frozen=True)
class Score:
    instrument: str
    total: int
    band: str
    subscales: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    flags: frozenset[str] = frozenset()
    answers: Mapping[int, int] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Instrument:
    code: str
    title: str
    recall_period: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    max_total: int
    loinc_panel: str | None = None
    loinc_total: str | None = None
    source: str = ""  # the CLINICAL.md section
    scorer: Callable[..., Score] | None = field(default=None, repr=False, compare=False)

    def item(self, number: int) -> Item:
        for item in self.items:
            if item.number == number:
                return item
        raise KeyError(number)


def normalise(instrument: Instrument, answers: Sequence[int] | Mapping[int, int]) -> dict[int, int]:
    """Answers in item order, or {item number: value}, checked against the definition.

    Raises InvalidAnswers naming the item and its allowed values; never coerces
    (True, 1.0 and "1" are not the integer 1).
    """
    numbers = [item.number for item in instrument.items]
    required = [item.number for item in instrument.items if item.scored]
    if isinstance(answers, Mapping):
        given = dict(answers)
        # type() and not ==: True and 1.0 hash like 1 and would pass for item 1.
        unknown = sorted((k for k in given if type(k) is not int or k not in numbers), key=str)
        if unknown:
            raise InvalidAnswers(
                f"{instrument.code}: unknown item {unknown[0]!r}; "
                f"items are {numbers[0]}-{numbers[-1]}."
            )
    elif isinstance(answers, Sequence) and not isinstance(answers, str | bytes):
        if len(answers) not in {len(required), len(numbers)}:
            expected = (
                f"{len(required)}"
                if len(required) == len(numbers)
                else f"{len(required)} (or {len(numbers)} with the unscored items)"
            )
            raise InvalidAnswers(
                f"{instrument.code}: expected {expected} answers in item order, got {len(answers)}."
            )
        given = dict(zip(numbers, answers, strict=False))
    else:
        raise InvalidAnswers(
            f"{instrument.code}: answers must be a list in item order or a mapping "
            f"{{item number: value}}, not {type(answers).__name__}."
        )
    for number in required:
        if number not in given:
            raise InvalidAnswers(f"{instrument.code}: item {number} is missing.")
    for number, value in given.items():
        allowed = instrument.item(number).values
        if type(value) is not int or value not in allowed:
            raise InvalidAnswers(
                f"{instrument.code}: item {number} is {value!r}; allowed values are "
                f"{', '.join(str(v) for v in allowed)}."
            )
    return given


def band_for(instrument: Instrument, total: int) -> str:
    for band in instrument.bands:
        if band.low <= total <= band.high:
            return band.label
    raise AssertionError(f"{instrument.code}: no band holds {total}")  # definitions cover 0..max


def make_score(  # noqa: PLR0913 - one keyword per part of a score, all but three optional
    instrument: Instrument,
    answers: dict[int, int],
    total: int,
    *,
    band: str | None = None,
    subscales: Mapping[str, int] | None = None,
    flags: frozenset[str] = frozenset(),
) -> Score:
    return Score(
        instrument=instrument.code,
        total=total,
        band=band if band is not None else band_for(instrument, total),
        subscales=MappingProxyType(dict(subscales or {})),
        flags=flags,
        answers=MappingProxyType(dict(answers)),
    )


def choices(*labels: str, start: int = 0) -> tuple[Choice, ...]:
    """Choices valued start, start+1, ... in the order given."""
    return tuple(Choice(start + i, label) for i, label in enumerate(labels))


def check_setting(instrument: str, name: str, value: object, allowed: range) -> None:
    """Reject a clinic setting (a rules field) that is not a whole number in `allowed`."""
    if type(value) is not int or value not in allowed:
        raise ValueError(
            f"{instrument}: {name} must be a whole number {allowed.start}-{allowed.stop - 1}, "
            f"not {value!r}."
        )
