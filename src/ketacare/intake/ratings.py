"""The staff's ratings of a submitted intake: the command of `rate_intake`.

The Maudsley staging domains and the MADRS are rated by the clinic's clinicians at the
eligibility review (issue 14), never answered by the patient: the intake refuses them
(`intake.answers.STAFF_RATED`). A rating gives the Maudsley domains (all three), the
MADRS (all 10 items), or both. The ranges are the clinical core's: the domains'
`clinical.eligibility.MAUDSLEY_RANGES`, the items' the MADRS definition
(`clinical.instruments`, CLINICAL.md A6). Refusals are keyed by path
("maudsley.severity", "madrs.3"), the same for every face.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import pydantic
from pydantic import Field, PlainValidator, WithJsonSchema, model_validator
from pydantic_core import InitErrorDetails

from ketacare.clinical import instruments
from ketacare.clinical.eligibility import MAUDSLEY_RANGES, MaudsleyDomains
from ketacare.kernel import specs
from ketacare.kernel.specs import Spec

MADRS = "madrs"
NOTHING_RATED = "Rate the Maudsley domains, the MADRS, or both."
MAUDSLEY_ALL_OR_NONE = (
    "Rate all three Maudsley domains (duration, severity, treatment failures), or none."
)


def _domain(name: str) -> Any:
    """A Maudsley domain's score, a whole number in its range (clinical.eligibility)."""
    low, high = MAUDSLEY_RANGES[name]
    words = name.replace("_", " ")

    def check(value: object) -> int:
        if type(value) is not int or not low <= value <= high:
            raise specs.refuse(
                "maudsley",
                "Rate the {words} domain from {low} to {high}.",
                words=words,
                low=low,
                high=high,
            )
        return value

    schema = {"type": "integer", "minimum": low, "maximum": high}
    return Annotated[int, PlainValidator(check), WithJsonSchema(schema)]


def _madrs_item(value: object) -> int | None:
    # The range is the instrument's, checked item by item (StaffRatingSpec).
    if value is not None and type(value) is not int:
        raise specs.refuse("madrs", "Give each MADRS item as a whole number.")
    return value


MadrsItem = Annotated[int | None, PlainValidator(_madrs_item), WithJsonSchema({"type": "integer"})]


class MaudsleyRating(Spec):
    """The Maudsley Staging Method domains as a clinician rates them (CLINICAL.md D)."""

    duration: _domain("duration") = Field(  # type: ignore[valid-type]
        description="Duration of the current episode, 1-3 (longer scores higher)."
    )
    severity: _domain("severity") = Field(  # type: ignore[valid-type]
        description="Severity of the symptoms, 1-5 (more severe scores higher)."
    )
    treatment_failures: _domain("treatment_failures") = Field(  # type: ignore[valid-type]
        description="Treatments that failed in this episode, 1-7 (more failures score higher)."
    )

    @model_validator(mode="before")
    @classmethod
    def _all_three(cls, data: object) -> object:
        if isinstance(data, Mapping) and not set(MAUDSLEY_RANGES) <= set(data):
            raise specs.refuse("maudsley", MAUDSLEY_ALL_OR_NONE)
        return data

    def domains(self) -> MaudsleyDomains:
        return MaudsleyDomains(
            duration=self.duration,
            severity=self.severity,
            treatment_failures=self.treatment_failures,
        )


class StaffRatingSpec(Spec):
    """A clinician's ratings of a submitted intake: the Maudsley domains, the MADRS, or both."""

    maudsley: MaudsleyRating | None = Field(
        None, description="The three Maudsley domains (all three, or leave it out)."
    )
    madrs: list[MadrsItem] | None = Field(
        None,
        description="The MADRS (CLINICAL.md A6): its 10 items in item order (item 1 "
        "first), each 0-6; or leave it out.",
    )

    @model_validator(mode="after")
    def _rated(self) -> StaffRatingSpec:
        nothing = self.maudsley is None and self.madrs is None
        errors: list[tuple[tuple[str | int, ...], str]] = [((), NOTHING_RATED)] if nothing else []
        errors += _madrs_errors(self.madrs)
        if errors:
            raise pydantic.ValidationError.from_exception_data(
                type(self).__name__,
                [
                    InitErrorDetails(type=specs.refuse("rating", message), loc=loc, input=None)
                    for loc, message in errors
                ],
            )
        return self

    def madrs_answers(self) -> dict[int, int]:
        """The MADRS by item number (only when given: `madrs` is not None)."""
        return {n: v for n, v in enumerate(self.madrs or [], start=1) if v is not None}


def _madrs_errors(given: list[int | None] | None) -> list[tuple[tuple[str | int, ...], str]]:
    """Each MADRS item missing or out of its range, by its place ("madrs", index)."""
    items = instruments.get(MADRS).items
    if given is None:
        return []
    if len(given) != len(items):
        return [((MADRS,), f"Rate the {len(items)} MADRS items, not {len(given)}.")]
    errors: list[tuple[tuple[str | int, ...], str]] = []
    for index, (item, value) in enumerate(zip(items, given, strict=True)):
        allowed = f"{min(item.values)} to {max(item.values)}"
        if value is None or value not in item.values:
            errors.append(((MADRS, index), f"Rate MADRS item {item.number} from {allowed}."))
    return errors
