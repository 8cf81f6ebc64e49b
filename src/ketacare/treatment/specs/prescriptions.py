"""The commands of a prescription: writing one, correcting one, voiding one.

What depends on the patient's day (the earliest refill date after today and within the
6 months of CLINICAL.md G8) and on the plan (what it still needs) is the service's
(treatment.prescriptions).
"""

from __future__ import annotations

from typing import Annotated, Any

import pydantic
from pydantic import Field, PlainValidator, WithJsonSchema, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ketacare.clinical import dosing
from ketacare.kernel import specs
from ketacare.kernel.specs import Spec, refuse

# CLINICAL.md G8 (21 CFR 1306.22(a)): a Schedule III prescription is refilled at most 5 times.
MAX_REFILLS = dosing.SCHEDULE_III_MAX_REFILLS
MAX_ID = 2**63 - 1


def _refills(value: object) -> int:
    if type(value) is not int or value < 0:
        raise refuse("whole", "Give the refills as a whole number of at least 0.")
    if value > MAX_REFILLS:
        raise refuse(
            "refills", "At most {most} refills (Schedule III, 21 CFR 1306.22).", most=MAX_REFILLS
        )
    return value


Refills = Annotated[
    int,
    PlainValidator(_refills),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_REFILLS}),
]


def _needed(description: str) -> Any:
    return Field(default=None, validate_default=True, description=description)


class PrescriptionFields(Spec):
    """What a prescription says: units a fill, refills, directions, the earliest refill."""

    quantity: specs.whole("the units per fill", minimum=1, most=100_000) = _needed(  # type: ignore[valid-type]
        "Units per fill."
    )
    refills: Refills = Field(default=0, description="Refills after the first fill.")
    directions: specs.text(2000, required="Give directions.") = _needed(  # type: ignore[valid-type]
        "Directions for use."
    )
    earliest_refill_on: specs.Day | None = Field(
        default=None, description="No refill before this day (needed with refills)."
    )
    quantity_reason: specs.text(2000) = Field(  # type: ignore[valid-type]
        default="",
        description="Why, when the units in all (quantity x fills) are more than the plan "
        "still needs; the prescription then awaits a second prescriber's co-sign.",
    )

    @property
    def units(self) -> int:
        """The units in all: a fill, and as many again for each refill."""
        return int(self.quantity) * (self.refills + 1)

    @model_validator(mode="after")
    def _a_date_with_refills(self) -> PrescriptionFields:
        if self.refills and self.earliest_refill_on is None:
            error = PydanticCustomError(
                "required", "A prescription with refills needs the earliest date."
            )
            details = [InitErrorDetails(type=error, loc=("earliest_refill_on",), input=None)]
            raise pydantic.ValidationError.from_exception_data("Spec", details)
        return self


class PrescriptionSpec(PrescriptionFields):
    """A new prescription of the patient's current plan (`plan_id`, its version)."""

    plan_id: specs.whole("the plan's id", minimum=1, most=MAX_ID) = _needed(  # type: ignore[valid-type]
        "The current plan version."
    )


class CorrectionSpec(PrescriptionFields):
    """The replacement of a prescription (for the current plan), and why."""

    reason: specs.text(2000, required="Say why it is corrected.") = _needed(  # type: ignore[valid-type]
        "Why the prescription is corrected."
    )


class VoidSpec(Spec):
    """Why a prescription is voided."""

    reason: specs.text(2000, required="Say why it is voided.") = _needed(  # type: ignore[valid-type]
        "Why it is voided."
    )
