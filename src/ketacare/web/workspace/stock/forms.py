"""The forms of the stock pages; each becomes its service's spec (pharmacy.specs)."""

from __future__ import annotations

from django import forms

from ketacare.pharmacy.models import Drug, FormulationKind
from ketacare.web.workspace.forms import CareForm

MOST_UNITS = 100_000
DATE = forms.DateInput(attrs={"type": "date"})


def _text(
    label: str, max_length: int, *, required: bool = True, help_text: str = ""
) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=max_length, required=required, help_text=help_text
    )


def _reason(label: str) -> forms.CharField:
    return forms.CharField(label=label, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


def _units(label: str) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=1, max_value=MOST_UNITS)


def _amount(label: str, places: int, help_text: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=0, decimal_places=places, help_text=help_text
    )


class ReceiptForm(CareForm):
    """A delivery of one lot, as the label and the invoice say."""

    supplier = _text("Supplier", 200)
    supplier_dea_number = _text(
        "Supplier's DEA number", 9, required=False, help_text="As on the invoice, when given."
    )
    invoice_number = _text("Invoice number", 100)
    product = _text("Product (as the label names it)", 200)
    drug = forms.ChoiceField(label="Drug", choices=Drug.choices, initial=Drug.RACEMIC)
    formulation_kind = forms.ChoiceField(label="Kind of product", choices=FormulationKind.choices)
    strength_mg = _amount("Strength (mg per tablet)", 2, "Tablets and troches only.")
    scored = forms.BooleanField(
        label="Scored (may be halved)", required=False, help_text="Tablets and troches only."
    )
    concentration_mg_per_ml = _amount("Concentration (mg/mL)", 1, "Nasal sprays only.")
    spray_volume_ml = _amount("Volume per spray (mL)", 3, "Nasal sprays only.")
    lot_number = _text("Lot number", 40)
    expires_on = forms.DateField(label="Expiry date", widget=DATE)
    quantity = _units("Units received")


class VerifyForm(CareForm):
    counted = forms.IntegerField(label="Units you counted", min_value=0, max_value=MOST_UNITS)


class RejectForm(CareForm):
    reason = _reason("Why it is rejected")


class TransferForm(CareForm):
    """Units of the lot to another DEA registrant."""

    quantity = _units("Units transferred")
    registrant = _text("Registrant's name", 200)
    registrant_dea_number = _text("Registrant's DEA number", 9)
    address = _text("Registrant's address", 500)
    reference = _text("Invoice or order number", 100)
    note = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SupplierReturnForm(CareForm):
    """Units of the lot back to the supplier."""

    quantity = _units("Units returned")
    supplier = _text("Supplier", 200)
    supplier_dea_number = _text("Supplier's DEA number", 9, required=False)
    reference = _text("Return authorisation number", 100)
    reason = _reason("Why they go back")
