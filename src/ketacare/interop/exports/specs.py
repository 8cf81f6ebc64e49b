"""The export's command: which clinic, which days, which record types, which mode."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, PlainValidator, model_validator

from ketacare.interop.exports.records import TYPE_KEYS
from ketacare.kernel import specs
from ketacare.kernel.specs import Day, Spec

# The longest range one export covers: ten years of a clinic's records.
MOST_DAYS = 3660


def _types(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise specs.refuse("types", "Choose at least one kind of record to export.")
    unknown = [v for v in value if v not in TYPE_KEYS]
    if unknown:
        raise specs.refuse(
            "types",
            "{unknown} is not a kind of record the export knows (it knows {known}).",
            unknown=", ".join(map(str, unknown)),
            known=", ".join(TYPE_KEYS),
        )
    return tuple(t for t in TYPE_KEYS if t in value)  # in the journey's order, once each


class ExportSpec(Spec):
    clinic_id: Annotated[int, Field(ge=1)]
    first_day: Day
    last_day: Day
    types: Annotated[tuple[str, ...], PlainValidator(_types)] = TYPE_KEYS
    research: bool = False

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.last_day < self.first_day:
            raise specs.refuse("last_day", "The last day comes before the first day.")
        if (self.last_day - self.first_day).days > MOST_DAYS:
            raise specs.refuse("last_day", "Export at most ten years at a time.")
        return self
