"""The command of a destruction of the clinic's stock: how much, how, why, and two witnesses.

The shape of each field is checked here; what depends on the lot and the clinic (half
units only of a scored product, the units on hand, who may witness) is the service's
(pharmacy.destruction).
"""

from __future__ import annotations

import pydantic
from pydantic import Field, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ketacare.kernel import specs
from ketacare.kernel.specs import Spec
from ketacare.pharmacy.models import LEDGER_PLACES, DestructionMethod, DestructionReason

# Units one destruction takes at most: a guard against typing errors.
MOST_UNITS = 1_000_000
MOST_ID = 2**63 - 1
NOTE_LENGTH = 4000
OTHER_NEEDS_A_NOTE = 'Describe the method or the reason ("other") in the note.'


class DestructionSpec(Spec):
    """Units of a lot destroyed just now, before the two witnesses named."""

    quantity: specs.amount(  # type: ignore[valid-type]
        "units", places=LEDGER_PLACES, most=MOST_UNITS
    ) = Field(description="Units destroyed (halves only of a scored tablet).")
    method: specs.choice(DestructionMethod) = Field(  # type: ignore[valid-type]
        description="How the units were made non-retrievable."
    )
    reason: specs.choice(DestructionReason) = Field(  # type: ignore[valid-type]
        description="Why they were destroyed."
    )
    note: specs.text(NOTE_LENGTH) = Field(  # type: ignore[valid-type]
        default="", description='Required when the method or the reason is "other".'
    )
    first_witness_id: specs.whole("the first witness", minimum=1, most=MOST_ID) = Field(  # type: ignore[valid-type]
        description="A person of the clinic who may handle the substance (not you)."
    )
    second_witness_id: specs.whole("the second witness", minimum=1, most=MOST_ID) = Field(  # type: ignore[valid-type]
        description="Another such person (not you, not the first witness)."
    )

    @model_validator(mode="after")
    def _other_is_described(self) -> DestructionSpec:
        other = self.reason == DestructionReason.OTHER or self.method == DestructionMethod.OTHER
        if other and not self.note:
            error = PydanticCustomError("required", OTHER_NEEDS_A_NOTE)
            details = [InitErrorDetails(type=error, loc=("note",), input=None)]
            raise pydantic.ValidationError.from_exception_data("Spec", details)
        return self
