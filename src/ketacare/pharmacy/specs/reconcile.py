"""The commands of a count of the shelf, its discrepancies, and a loss of clinic stock.

Quantities are units of the lot's product with at most one decimal place (half a scored
tablet); whether a half is allowed for a lot is the service's (it knows the lot).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ketacare.kernel import specs
from ketacare.kernel.specs import Spec
from ketacare.pharmacy.models import LEDGER_PLACES

# Units a count or a loss names at most: a guard against typing errors.
MOST_UNITS = 1_000_000
MOST_ID = 2**63 - 1
NOTE_MAX = 4000

LotId = Annotated[int, Field(ge=1, le=MOST_ID)]
Counted = specs.amount("units", places=LEDGER_PLACES, zero_allowed=True, most=MOST_UNITS)


class ReconciliationSpec(Spec):
    """What is on the shelf, lot by lot: some of the clinic's lots, or all of them."""

    counts: dict[LotId, Counted] = Field(  # type: ignore[valid-type]
        min_length=1,
        description="The units counted on the shelf, by lot id ({lot id: units}); halves only "
        "for scored tablets.",
    )
    note: specs.text(NOTE_MAX) = Field(  # type: ignore[valid-type]
        default="", description="Anything the count should say (who helped, which shelf)."
    )


class ExplanationSpec(Spec):
    """What was found about a count that differs from the book."""

    explanation: specs.text(  # type: ignore[valid-type]
        NOTE_MAX,
        required="Say what you found: a miscount, a movement not yet recorded, or a loss.",
    ) = Field(description="What explains the difference (required).")


class LossSpec(Spec):
    """Units of a lot lost or stolen from the clinic (21 CFR 1301.76(b))."""

    quantity: specs.amount(  # type: ignore[valid-type]
        "units", places=LEDGER_PLACES, most=MOST_UNITS
    ) = Field(description="Units lost or stolen (halves only for scored tablets).")
    what_happened: specs.text(  # type: ignore[valid-type]
        NOTE_MAX, required="Say what happened: where, how it was found, what is known."
    ) = Field(description="What happened (required).")
    discovered_at: specs.Moment | None = Field(
        default=None, description="When the loss was discovered; empty: now."
    )
    police_notified: specs.YesNo = Field(default=False, description="Whether the police were told.")
    police_reference: specs.text(100) = Field(  # type: ignore[valid-type]
        default="", description="The police report's reference, if any."
    )
