"""The at-home session's commands: the checklist, the dose, the window after it, adverse events.

The patient's phone (the portal's forms), the API (these are its request bodies) and the
demo build the same specs. Bounds come from `ketacare.clinical` (vitals, instruments,
predose): a blood pressure is refused on `blood_pressure` whichever of its two numbers
is wrong, the C-SSRS screen on `cssrs`, in the reader's words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Annotated, Any, Self, TypeVar

from pydantic import Field, PlainValidator, WithJsonSchema, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from ketacare.clinical import instruments, predose
from ketacare.clinical.vitals import BloodPressure, HeartRate
from ketacare.kernel import specs
from ketacare.kernel.specs import Spec
from ketacare.treatment.models import (
    AdverseEventOutcome,
    Feeling,
    Severity,
    SideEffect,
    SubstanceToday,
)

_E = TypeVar("_E", bound=Enum)

_MMHG = {"type": "integer", "minimum": 0, "maximum": 1000}
_PAIR = {
    "type": "object",
    "properties": {"systolic_mmhg": _MMHG, "diastolic_mmhg": _MMHG},
    "required": ["systolic_mmhg", "diastolic_mmhg"],
}
CSSRS_QUESTIONS = (
    "wish_to_be_dead",
    "suicidal_thoughts",
    "thoughts_with_method",
    "intent",
    "plan_with_intent",
    "behaviour",
)
_CSSRS_ASKED_ALWAYS = frozenset({"wish_to_be_dead", "suicidal_thoughts", "behaviour"})


def refused(field: str, message: str) -> ValidationError:
    """A refusal on `field` from a check of several fields (a model validator)."""
    error = InitErrorDetails(type=PydanticCustomError("refused", message), loc=(field,), input=None)
    return ValidationError.from_exception_data("spec", [error])


def _schema(check: Any, schema: dict[str, Any]) -> tuple[PlainValidator, WithJsonSchema]:
    return PlainValidator(check), WithJsonSchema(schema)


def several(choices: type[_E], *, most: int = 10) -> Any:
    """A list of a str enum's values, as members in the order given, repeats dropped."""
    values = [str(member.value) for member in choices]

    def check(given: object) -> tuple[_E, ...]:
        if isinstance(given, str | bytes) or not isinstance(given, Sequence) or len(given) > most:
            raise specs.refuse("choices", "Give a list of: {values}.", values=", ".join(values))
        picked: list[_E] = []
        for value in given:
            if not isinstance(value, str) or value not in values:
                raise specs.refuse("choice", "Choose one of: {values}.", values=", ".join(values))
            if choices(value) not in picked:
                picked.append(choices(value))
        return tuple(picked)

    schema = {"type": "array", "items": {"type": "string", "enum": values}, "maxItems": most}
    return Annotated[tuple[choices, ...], *_schema(check, schema)]  # type: ignore[valid-type]


def _loose(value: object) -> object:
    return value  # read with its pair (PressurePair), so a refusal names the blood pressure


Mmhg = Annotated[int, *_schema(_loose, _MMHG)]


def _pressure(systolic: object, diastolic: object) -> BloodPressure:
    if type(systolic) is not int or type(diastolic) is not int:
        raise ValueError("Give both numbers of the blood pressure, as whole numbers.")
    return BloodPressure(systolic, diastolic)


def _check_in_pressure(raw: object) -> BloodPressure:
    """(systolic, diastolic), or {"systolic_mmhg": ..., "diastolic_mmhg": ...}: required."""
    if raw is None:
        raise specs.refuse(
            "required", "Measure your blood pressure and enter both numbers: the check-in needs it."
        )
    try:
        if isinstance(raw, Mapping):
            return _pressure(raw.get("systolic_mmhg"), raw.get("diastolic_mmhg"))
        if isinstance(raw, Sequence) and not isinstance(raw, str) and len(raw) == len("sd"):
            return _pressure(raw[0], raw[1])
    except ValueError as exc:
        raise specs.refuse("blood_pressure", str(exc)) from None
    raise specs.refuse("blood_pressure", "Give the blood pressure as its two numbers.")


CheckInPressure = Annotated[BloodPressure, *_schema(_check_in_pressure, _PAIR)]


def _heart_rate(bpm: object) -> HeartRate | None:
    if bpm is None:
        return None
    if type(bpm) is not int:
        raise specs.refuse("whole", "Give the heart rate as a whole number of beats a minute.")
    try:
        return HeartRate(bpm)
    except ValueError as exc:
        raise specs.refuse("heart_rate", str(exc)) from None


Pulse = Annotated[HeartRate | None, *_schema(_heart_rate, {"type": "integer", "minimum": 0})]


def _cssrs(raw: object) -> instruments.Score:
    """The checklist's C-SSRS screen, answered by name (clinical.predose.checklist_cssrs)."""
    asked = "Answer the questions about thoughts of suicide."
    if not isinstance(raw, Mapping) or not set(raw) >= _CSSRS_ASKED_ALWAYS:
        raise specs.refuse("cssrs", asked)
    if not set(raw) <= set(CSSRS_QUESTIONS) or any(type(v) is not bool for v in raw.values()):
        raise specs.refuse("cssrs", "Answer each question about thoughts of suicide yes or no.")
    try:
        return predose.checklist_cssrs(**{str(k): bool(v) for k, v in raw.items()})
    except instruments.InvalidAnswers as exc:
        raise specs.refuse("cssrs", str(exc)) from None


_CSSRS_SCHEMA = {
    "type": "object",
    "description": "The C-SSRS screen since the last contact: each question answered yes "
    "(true) or no (false); thoughts_with_method, intent and plan_with_intent only after a "
    "yes to suicidal_thoughts.",
    "properties": {name: {"type": "boolean"} for name in CSSRS_QUESTIONS},
    "required": sorted(_CSSRS_ASKED_ALWAYS),
    "additionalProperties": False,
}
CssrsScreen = Annotated[instruments.Score, *_schema(_cssrs, _CSSRS_SCHEMA)]


def _cadss6(raw: object) -> dict[str, int] | None:
    """CADSS-6 answers in order or by item, scored by clinical.instruments; {"1": value}."""
    if raw is None:
        return None
    given: Sequence[int] | Mapping[int, int]
    if isinstance(raw, Mapping):
        try:
            given = {int(k): v for k, v in raw.items()}
        except (TypeError, ValueError):
            raise specs.refuse("cadss6", "Number the answers by item (1-6).") from None
    elif isinstance(raw, Sequence) and not isinstance(raw, str):
        given = list(raw)
    else:
        raise specs.refuse("cadss6", "Give the six CADSS-6 answers.")
    try:
        score = instruments.score("cadss6", given)
    except instruments.InvalidAnswers as exc:
        raise specs.refuse("cadss6", str(exc)) from None
    return {str(item): value for item, value in score.answers.items()}


_CADSS6_SCHEMA = {
    "anyOf": [
        {"type": "array", "items": {"type": "integer"}, "maxItems": 20},
        {"type": "object", "additionalProperties": {"type": "integer"}, "maxProperties": 20},
        {"type": "null"},
    ],
    "description": "CADSS-6: six answers in order, or by item number.",
}
Cadss6 = Annotated[dict[str, int] | None, *_schema(_cadss6, _CADSS6_SCHEMA)]


def _six_digits(value: object) -> str:
    code = value.strip() if isinstance(value, str) else ""
    if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
        raise specs.refuse("code", "The code is the 6 digits texted to the sitter.")
    return code


CODE_DIGITS = 6
SitterCode = Annotated[
    str, *_schema(_six_digits, {"type": "string", "pattern": r"^\s*[0-9]{6}\s*$"})
]


class PressurePair(Spec):
    """A blood pressure given as its two numbers; refused on `blood_pressure`."""

    systolic_mmhg: Mmhg = Field(description="Blood pressure now, systolic.")
    diastolic_mmhg: Mmhg = Field(description="Blood pressure now, diastolic.")

    @model_validator(mode="after")
    def _plausible(self) -> Self:
        try:
            _pressure(self.systolic_mmhg, self.diastolic_mmhg)
        except ValueError as exc:
            raise refused("blood_pressure", str(exc)) from None
        return self

    @property
    def blood_pressure(self) -> BloodPressure:
        return BloodPressure(self.systolic_mmhg, self.diastolic_mmhg)


class ChecklistSpec(PressurePair):
    """The pre-dose checklist (start_session)."""

    sitter_present: specs.YesNo = Field(description="A sitter is with the patient.")
    cssrs: CssrsScreen = Field(description="The C-SSRS screen since the last contact.")
    fasted: specs.YesNo = Field(description="Nothing to eat for the hours the clinic asks.")
    no_driving_until_tomorrow: specs.YesNo = Field(description="Will not drive until tomorrow.")
    substances_today: several(SubstanceToday) = Field(  # type: ignore[valid-type]
        default=(), description="Taken today: any of these."
    )
    heart_rate_bpm: Pulse = Field(default=None, description="Heart rate now.")


class DoseSpec(Spec):
    """The dose taken (record_dose_taken)."""

    dose_mg: specs.positive("mg", most=10_000) = Field(  # type: ignore[valid-type]
        description="The dose taken (the plan's, or not)."
    )
    taken_at: specs.Moment | None = Field(default=None, description="When; default now.")
    already_taken: specs.YesNo = Field(
        default=False,
        description="The dose was taken although the gate held it: record it and page.",
    )


class ReadingSpec(PressurePair):
    """A blood pressure after the dose (record_post_dose_reading)."""


class CheckInSpec(Spec):
    """The release check-in (record_check_in)."""

    feeling: specs.choice(Feeling) = Field(  # type: ignore[valid-type]
        description="How the patient feels."
    )
    blood_pressure: CheckInPressure = Field(
        default=None, validate_default=True, description="Blood pressure now (required)."
    )
    cadss6_answers: Cadss6 = Field(default=None)
    side_effects: several(SideEffect) = Field(  # type: ignore[valid-type]
        default=(), description="Side effects felt."
    )
    side_effect_other: specs.text(200) = Field(  # type: ignore[valid-type]
        default="", description="The other side effect."
    )
    notes: specs.text(4000) = Field(  # type: ignore[valid-type]
        default="", description="Anything else."
    )

    @model_validator(mode="after")
    def _other_described(self) -> Self:
        ticked = SideEffect.OTHER in self.side_effects
        if ticked and not self.side_effect_other:
            raise refused("side_effect_other", "Describe the other side effect.")
        if self.side_effect_other and not ticked:
            raise refused(
                "side_effect_other", "Tick 'something else' to describe another side effect."
            )
        return self


class ReleaseSpec(Spec):
    """The sitter ends the window (release_session); `code` when on the patient's device."""

    stable: specs.YesNo = Field(description="The sitter finds the patient alert and stable.")
    note: specs.text(2000) = Field(  # type: ignore[valid-type]
        default="", description="Anything the clinic should know."
    )
    code: SitterCode | None = Field(
        default=None,
        description="A release code texted to the sitter, typed on the patient's device.",
    )


Described = specs.text(4000, required="Describe what happened.")
SessionNumber = specs.whole("the session's number", minimum=1)


class AdverseEventSpec(Spec):
    """A side effect worth reporting (report_adverse_event)."""

    description: Described = Field(description="What happened.")  # type: ignore[valid-type]
    severity: specs.choice(Severity) = Field(  # type: ignore[valid-type]
        description="mild, moderate, severe, life_threatening."
    )
    serious: specs.YesNo = Field(
        description="Serious (ICH E2A): life-threatening or fatal always is."
    )
    outcome: specs.choice(AdverseEventOutcome) = Field(  # type: ignore[valid-type]
        description="How it ended (FHIR outcome)."
    )
    session_id: SessionNumber | None = Field(  # type: ignore[valid-type]
        default=None, description="The session it followed."
    )
    onset_at: specs.Moment | None = Field(default=None, description="When it began.")

    @model_validator(mode="after")
    def _serious_by_definition(self) -> Self:
        # ICH E2A: an event that is life-threatening or results in death is serious.
        fatal = self.outcome == AdverseEventOutcome.FATAL
        if not self.serious and (self.severity == Severity.LIFE_THREATENING or fatal):
            raise refused("serious", "Answer yes: anything that put a life at risk is serious.")
        return self


__all__ = [
    "AdverseEventSpec",
    "CheckInSpec",
    "ChecklistSpec",
    "DoseSpec",
    "ReadingSpec",
    "ReleaseSpec",
]
