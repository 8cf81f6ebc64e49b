"""The command of a state PDMP check: what it showed, and a note with concerns."""

from __future__ import annotations

import pydantic
from pydantic import model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ketacare.kernel import specs
from ketacare.kernel.specs import Spec
from ketacare.treatment.models.pdmp import PdmpResult


class PdmpCheckSpec(Spec):
    """A prescriber checked the state PDMP for the patient just now."""

    result: specs.choice(PdmpResult)  # type: ignore[valid-type]
    note: specs.text(2000) = ""  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _concerns_have_a_note(self) -> PdmpCheckSpec:
        if self.result == PdmpResult.CONCERNS and not self.note.strip():
            error = PydanticCustomError("required", "Say what the concerns are.")
            details = [InitErrorDetails(type=error, loc=("note",), input=None)]
            raise pydantic.ValidationError.from_exception_data("Spec", details)
        return self
