"""Stock leaving the clinic otherwise than to a patient: a transfer, a return to the supplier."""

from __future__ import annotations

import pydantic
from pydantic import Field

from ketacare.kernel import specs
from ketacare.kernel.specs import Spec
from ketacare.pharmacy.specs.receipts import DEA_MESSAGE, MOST_UNITS, REASON_LENGTH, dea_number


class TransferSpec(Spec):
    """Units of a lot to another DEA registrant (21 CFR 1304.22(a)(2), (c)).

    The record of a distribution names the registrant, its address and its DEA
    registration number, the date and the units.
    """

    quantity: specs.whole(  # type: ignore[valid-type]
        "the units transferred", minimum=1, most=MOST_UNITS
    ) = Field(description="Whole units transferred.")
    registrant: specs.text(200, required="Give the registrant's name.") = Field(  # type: ignore[valid-type]
        description="The registrant the units go to."
    )
    registrant_dea_number: str = Field(description="Its DEA registration number.")
    address: specs.text(500, required="Give the registrant's address.") = Field(  # type: ignore[valid-type]
        description="Its registered address."
    )
    reference: specs.text(100, required="Give the invoice or order number.") = Field(  # type: ignore[valid-type]
        description="The invoice or order number of the transfer."
    )
    note: specs.text(REASON_LENGTH) = Field(default="", description="Anything else.")  # type: ignore[valid-type]

    @pydantic.field_validator("registrant_dea_number", mode="before")
    @classmethod
    def _dea(cls, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise specs.refuse("dea_number", DEA_MESSAGE)
        return dea_number(value)


class SupplierReturnSpec(Spec):
    """Units of a lot back to its supplier, on the supplier's return authorisation."""

    quantity: specs.whole(  # type: ignore[valid-type]
        "the units returned", minimum=1, most=MOST_UNITS
    ) = Field(description="Whole units returned.")
    supplier: specs.text(200, required="Give the supplier's name.") = Field(  # type: ignore[valid-type]
        description="The supplier the units go back to."
    )
    supplier_dea_number: str = Field(
        default="", description="The supplier's DEA registration number, when known."
    )
    reference: specs.text(  # type: ignore[valid-type]
        100, required="Give the supplier's return authorisation number."
    ) = Field(description="The supplier's return authorisation number.")
    reason: specs.text(REASON_LENGTH, required="Say why the units go back.") = Field(  # type: ignore[valid-type]
        description="Why (expired, recalled, damaged, ordered in error...)."
    )

    @pydantic.field_validator("supplier_dea_number", mode="before")
    @classmethod
    def _dea(cls, value: object) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            return ""
        if not isinstance(value, str):
            raise specs.refuse("dea_number", DEA_MESSAGE)
        return dea_number(value)
