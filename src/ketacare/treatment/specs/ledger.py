"""The ledger's command: units returned, destroyed, lost or stolen, disposed of, or counted.

Units dispensed are recorded by dispensing, units taken by recording a dose: those kinds
are refused here. The units are a number of at most one decimal place (halves of scored
tablets); whether the plan's product is counted in halves, a witness who may handle the
substance, and a report of a loss are the service's (treatment.ledger).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, PlainValidator, WithJsonSchema

from ketacare.kernel import specs
from ketacare.kernel.specs import Spec
from ketacare.treatment.models import LEDGER_PLACES, LedgerEventKind

# The kinds `record_ledger_event` records; dispensed and taken come with their use case.
RECORDED_HERE = (
    LedgerEventKind.RETURNED,
    LedgerEventKind.DESTROYED,
    LedgerEventKind.LOST_OR_STOLEN,
    LedgerEventKind.DISPOSED,
    LedgerEventKind.COUNTED,
)
# Units an event moves at most: a guard against typing errors.
MOST_UNITS = 1_000_000
MOST_ID = 2**63 - 1


def _recorded_here(value: object) -> LedgerEventKind:
    if isinstance(value, str) and value in LedgerEventKind.values:
        kind = LedgerEventKind(value)
        if kind in RECORDED_HERE:
            return kind
        raise specs.refuse(
            "kind",
            "Units dispensed are recorded by dispensing a prescription (and taken back by "
            "voiding the dispense), doses taken by recording the dose of a session.",
        )
    raise specs.refuse(
        "choice", "Choose one of: {values}.", values=", ".join(k.value for k in RECORDED_HERE)
    )


Kind = Annotated[
    LedgerEventKind,
    PlainValidator(_recorded_here),
    WithJsonSchema({"type": "string", "enum": [k.value for k in RECORDED_HERE]}),
]


class LedgerEventSpec(Spec):
    """One event of the patient's ledger, recorded by hand."""

    kind: Kind = Field(
        description="What happened (dispensed and taken are recorded by their use cases)."
    )
    quantity: specs.amount(  # type: ignore[valid-type]
        "units", places=LEDGER_PLACES, zero_allowed=True, most=MOST_UNITS
    ) = Field(description="Units (halves of scored tablets); a count may be zero.")
    witness_id: specs.whole("the witness", minimum=1, most=MOST_ID) | None = Field(  # type: ignore[valid-type]
        default=None, description="The witness (required to destroy)."
    )
    note: specs.text(4000) = Field(  # type: ignore[valid-type]
        default="",
        description="Required for a loss or theft (when, where, reported to whom) and for a "
        "disposal (where or how: a take-back, the FDA's advice).",
    )
