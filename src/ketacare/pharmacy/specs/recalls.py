"""The commands of a recall: recall a lot (why, and the recall's number), record a call."""

from __future__ import annotations

from pydantic import Field

from ketacare.kernel import specs
from ketacare.kernel.specs import Spec

# The lot master's column (pharmacy.models.lots, Lot.recall_reference).
REFERENCE_MAX_LENGTH = 100
OUTCOME_REQUIRED = (
    "Say what the patient was told, what they still hold of the lot, and what they will do with it."
)


class RecallSpec(Spec):
    """A lot is recalled: nothing more is dispensed from it, its recipients are called."""

    reason: specs.text(2000, required="Say why the lot is recalled.") = Field(  # type: ignore[valid-type]
        description="Why the lot is recalled (the recall notice's words)."
    )
    reference: specs.text(  # type: ignore[valid-type]
        REFERENCE_MAX_LENGTH, required="Give the recall's number (the manufacturer's or the FDA's)."
    ) = Field(description="The manufacturer's or the FDA's recall number.")


class RecallOutcomeSpec(Spec):
    """The call to one patient about a recalled lot, as its caller records it."""

    outcome: specs.text(4000, required=OUTCOME_REQUIRED) = Field(  # type: ignore[valid-type]
        description="What the patient was told, what they hold of the lot, what they will do."
    )
