"""The pharmacy's commands: a dispense, its void or correction, and a refill request.

What a field is (a whole number of units, a lot number, a date) is checked here, once,
for every face. What depends on the prescription, the patient and the clinic's stock (a
fill is at most the prescription's quantity, the lot is in the lot master, of the
prescribed product, neither expired on the patient's calendar day nor recalled, and holds
the units; what the fill has left, an early refill's reason) is the service's
(treatment.dispensing).
"""

from __future__ import annotations

from pydantic import Field

from ketacare.kernel import specs
from ketacare.kernel.specs import Spec

# Units a dispense holds at most: a guard against typing errors (a fill is at most the
# prescription's quantity, which the service checks).
MOST_UNITS = 100_000
REASON_LENGTH = 2000


class DispenseSpec(Spec):
    """(Part of) a fill: the units go into the patient's ledger."""

    quantity: specs.whole(  # type: ignore[valid-type]
        "the units dispensed", minimum=1, most=MOST_UNITS
    ) = Field(description="Units dispensed.")
    lot_number: specs.text(40, required="Give the lot number.") = Field(  # type: ignore[valid-type]
        description="The lot it is drawn from: a lot of the clinic's stock (its lot master)."
    )
    expires_on: specs.Day | None = Field(
        default=None,
        description="The expiry date on the label; when given, it must match the lot master's.",
    )
    early_reason: specs.text(REASON_LENGTH) = Field(  # type: ignore[valid-type]
        default="", description="Why, when before the earliest refill date."
    )


class DispenseCorrectionSpec(DispenseSpec):
    """The replacement of a dispense; it takes the voided one's place in the fills."""

    reason: specs.text(  # type: ignore[valid-type]
        REASON_LENGTH, required="Say why it is corrected."
    ) = Field(description="Why the dispense is corrected.")


class VoidDispenseSpec(Spec):
    """Its pharmacist voids a dispense: its units leave the ledger again."""

    reason: specs.text(  # type: ignore[valid-type]
        REASON_LENGTH, required="Say why it is voided."
    ) = Field(description="Why it is voided.")


class RefillRequestSpec(Spec):
    """The patient (or staff for them) asks for the next fill."""

    note: specs.text(REASON_LENGTH) = Field(  # type: ignore[valid-type]
        default="", description="Anything the pharmacy should know."
    )
