"""The commands of the questionnaire use cases.

- `QuestionnaireSpec`: one completed questionnaire (`submit_questionnaire`). The
  instrument is one of `ketacare.clinical.instruments.CODES`; its answers are checked
  by the instrument itself when the service scores them (once), since what an answer
  may be depends on the instrument and, for AUDIT-C, on the patient's record.
- `ScheduleSpec`: a clinic's changes to the default questionnaire schedule
  (`configure_questionnaire_schedule`), checked against it by
  `schedules.DEFAULT_SCHEDULE.with_overrides` (refusals keyed by path,
  "instruments.phq9.every_days.induction").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

import pydantic
from django.core.exceptions import ValidationError
from pydantic import field_validator, model_validator
from pydantic_core import InitErrorDetails

from ketacare.assessments.schedules import DEFAULT_SCHEDULE
from ketacare.clinical import instruments
from ketacare.kernel import specs
from ketacare.kernel.specs import Moment, Spec


class QuestionnaireSpec(Spec):
    instrument: str
    # A list in item order, or {item number: value}; the instrument checks it when scored.
    answers: Any
    # What scoring needs beyond the answers (AUDIT-C: {"sex"}); checked against the record.
    context: Any = None
    # When it was completed; None: now.
    recorded_at: Moment | None = None

    @field_validator("instrument", mode="plain")
    @classmethod
    def _known(cls, value: object) -> str:
        if not isinstance(value, str) or value not in instruments.CODES:
            raise specs.refuse(
                "instrument",
                "Unknown instrument; known ones are {known}.",
                known=", ".join(instruments.CODES),
            )
        return value


def questionnaire(
    instrument: object,
    answers: object,
    *,
    context: object = None,
    recorded_at: datetime | None = None,
) -> QuestionnaireSpec:
    """The command from Python values (a form, the demo); ValidationError by field."""
    data = {"instrument": instrument, "answers": answers, "context": context}
    return specs.read(QuestionnaireSpec, {**data, "recorded_at": recorded_at})


class ScheduleSpec(Spec):
    """{instrument: null (off) | {field: value}}, and the hours before a due one is overdue."""

    instruments: dict[str, Any]
    grace_hours: int = 0

    @model_validator(mode="before")
    @classmethod
    def _against_the_defaults(cls, data: object) -> object:
        given = data if isinstance(data, Mapping) else {}
        # with_overrides refuses, by its path, anything but a mapping of instruments.
        overrides = cast("Mapping[str, Any]", given.get("instruments"))
        try:
            DEFAULT_SCHEDULE.with_overrides(overrides, given.get("grace_hours", 0))
        except ValidationError as err:
            raise pydantic.ValidationError.from_exception_data(
                cls.__name__,
                [
                    InitErrorDetails(
                        type=specs.refuse("schedule", message),
                        loc=tuple(path.split(".")),
                        input=data,
                    )
                    for path, messages in err.message_dict.items()
                    for message in messages[:1]
                ],
            ) from None
        return data


def schedule(instruments: object, grace_hours: object = 0) -> ScheduleSpec:
    """The command from Python values (the admin's form); ValidationError by path."""
    return specs.read(ScheduleSpec, {"instruments": instruments, "grace_hours": grace_hours})
