"""A receipt of stock (what the label and the invoice say), its verification and rejection."""

from __future__ import annotations

from decimal import Decimal

import pydantic
from pydantic import Field, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ketacare.accounts.identifiers import is_valid_dea
from ketacare.kernel import specs
from ketacare.kernel.specs import Spec
from ketacare.pharmacy.models import TABLET_KINDS, Drug, FormulationKind

# Units one receipt holds at most: a guard against typing errors, not a rule.
MOST_UNITS = 100_000
REASON_LENGTH = 2000
DEA_MESSAGE = (
    "Give the DEA registration number as on the certificate: two letters and seven digits, "
    "the last a check digit (for example AB1234563)."
)


def dea_number(value: str) -> str:
    """A DEA number, upper case; refused unless its format and check digit hold."""
    number = value.strip().upper()
    if not is_valid_dea(number):
        raise specs.refuse("dea_number", DEA_MESSAGE)
    return number


def field_errors(errors: dict[str, str]) -> pydantic.ValidationError:
    """Refusals of several fields at once, from a model validator."""
    details = [
        InitErrorDetails(type=PydanticCustomError("shape", message), loc=(name,), input=None)
        for name, message in errors.items()
    ]
    return pydantic.ValidationError.from_exception_data("Spec", details)


class ProductSpec(Spec):
    """The product as its label names it, in the shape of the lot master (models.product).

    Tablets (sublingual, troche, rapid-dissolve) of racemic ketamine have a strength;
    a racemic nasal spray has a concentration and a volume per spray; the esketamine
    device has neither (Product.shape_constraint says the same in the database).
    """

    product: specs.text(200, required="Give the product's name as its label says.") = Field(  # type: ignore[valid-type]
        description="The product as its label names it."
    )
    drug: specs.choice(Drug) = Field(default=Drug.RACEMIC, description="The drug.")  # type: ignore[valid-type]
    formulation_kind: specs.choice(FormulationKind) = Field(  # type: ignore[valid-type]
        description="Tablet, troche, rapid-dissolve tablet, nasal spray or esketamine device."
    )
    strength_mg: specs.amount("mg", places=2, most=10_000) | None = Field(  # type: ignore[valid-type]
        default=None, description="mg per tablet (tablets only)."
    )
    scored: specs.YesNo = Field(default=False, description="Scored tablets may be halved.")
    concentration_mg_per_ml: specs.amount("mg/mL", places=1, most=10_000) | None = Field(  # type: ignore[valid-type]
        default=None, description="mg per mL (nasal spray only)."
    )
    spray_volume_ml: specs.amount("mL", places=3, most=10) | None = Field(  # type: ignore[valid-type]
        default=None, description="mL per spray (nasal spray only)."
    )

    @model_validator(mode="after")
    def _shaped(self) -> ProductSpec:
        errors = shape_errors(self)
        if errors:
            raise field_errors(errors)
        return self


def _tablet_errors(product: ProductSpec) -> dict[str, str]:
    errors = {}
    if product.strength_mg is None:
        errors["strength_mg"] = "Give the strength of one tablet in mg."
    if product.concentration_mg_per_ml is not None:
        errors["concentration_mg_per_ml"] = "A tablet has no concentration: leave it empty."
    if product.spray_volume_ml is not None:
        errors["spray_volume_ml"] = "A tablet has no spray volume: leave it empty."
    return errors


def _spray_errors(product: ProductSpec) -> dict[str, str]:
    errors = {}
    if product.strength_mg is not None:
        errors["strength_mg"] = "A nasal spray has no tablet strength: give its concentration."
    if product.scored:
        errors["scored"] = "Only tablets are scored."
    if product.concentration_mg_per_ml is None:
        errors["concentration_mg_per_ml"] = "Give the spray's concentration in mg/mL."
    if product.spray_volume_ml is None:
        errors["spray_volume_ml"] = "Give the volume of one spray in mL."
    return errors


def _device_errors(product: ProductSpec) -> dict[str, str]:
    errors = {}
    if product.drug != Drug.ESKETAMINE:
        errors["drug"] = "The esketamine nasal device holds esketamine."
    for name in ("strength_mg", "concentration_mg_per_ml", "spray_volume_ml"):
        if getattr(product, name) is not None:
            errors[name] = "The esketamine device is one fixed product: leave it empty."
    if product.scored:
        errors["scored"] = "Only tablets are scored."
    return errors


def shape_errors(product: ProductSpec) -> dict[str, str]:
    """What does not fit the product's kind, by field (Product.shape_constraint's rule)."""
    if product.formulation_kind == FormulationKind.ESKETAMINE_DEVICE:
        return _device_errors(product)
    errors = (
        _tablet_errors(product)
        if product.formulation_kind in TABLET_KINDS
        else _spray_errors(product)
    )
    if product.drug != Drug.RACEMIC:
        errors["drug"] = "Esketamine comes only as the esketamine nasal device."
    return errors


class ReceiptSpec(ProductSpec):
    """A delivery of one lot, as its receiver records it (21 CFR 1304.22(a)(2), (c)).

    The record of a receipt names the supplier (and its DEA registration number, when
    known), the invoice, the product, the lot and its expiry, and how many units came.
    """

    supplier: specs.text(200, required="Give the supplier's name.") = Field(  # type: ignore[valid-type]
        description="Who delivered it."
    )
    supplier_dea_number: str = Field(
        default="", description="The supplier's DEA registration number, when known."
    )
    invoice_number: specs.text(100, required="Give the invoice number.") = Field(  # type: ignore[valid-type]
        description="The invoice (or DEA Form 222 / packing slip) number."
    )
    lot_number: specs.text(40, required="Give the lot number.") = Field(  # type: ignore[valid-type]
        description="The manufacturer's lot number on the label."
    )
    expires_on: specs.Day = Field(description="The expiry date on the label.")
    quantity: specs.whole(  # type: ignore[valid-type]
        "the units received", minimum=1, most=MOST_UNITS
    ) = Field(description="Whole units received (tablets, sprays or devices).")

    @pydantic.field_validator("supplier_dea_number", mode="before")
    @classmethod
    def _dea(cls, value: object) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            return ""
        if not isinstance(value, str):
            raise specs.refuse("dea_number", DEA_MESSAGE)
        return dea_number(value)

    @property
    def units(self) -> Decimal:
        return Decimal(self.quantity)


class VerifyReceiptSpec(Spec):
    """A second person counted the delivery themself: their count."""

    counted: specs.whole(  # type: ignore[valid-type]
        "the units you counted", minimum=0, most=MOST_UNITS
    ) = Field(description="The units the verifier counted themself.")


class RejectReceiptSpec(Spec):
    """A second person refuses the delivery: why."""

    reason: specs.text(REASON_LENGTH, required="Say why the receipt is rejected.") = Field(  # type: ignore[valid-type]
        description="Why (a count that differs, damaged seals, the wrong product...)."
    )
