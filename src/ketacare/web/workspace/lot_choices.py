"""The lots the dispense and correction forms offer, in the pharmacist's words.

Which lots may be dispensed is the query's (pharmacy.queries.dispensable); the use case
judges the lot chosen again (a lot recalled or emptied since the page was drawn is
refused with its reason).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import NoReverseMatch, reverse

from ketacare.patients.models import Patient
from ketacare.pharmacy.models import Lot, Product
from ketacare.pharmacy.queries.dispensable import dispensable_lots
from ketacare.treatment.dispensing import patient_today
from ketacare.web.workspace.presenters import amount


def lot_label(lot: Lot, *, with_product: bool = False) -> str:
    """The lot as the form offers it: "LOT-7, expires 31 Jan 2027, 240 troches on hand".

    In the product's own unit word (troches, tablets, sprays), as the page counts.

    With `with_product`, the product too, after the lot number (several products offered).
    """
    expires = f"{lot.expires_on.day} {lot.expires_on:%b %Y}"
    product = f" ({lot.product})" if with_product else ""
    return f"{lot.lot_number}{product}, expires {expires}, {amount(lot, lot.on_hand)} on hand"


def lot_choices(patient: Patient, products: Iterable[Product]) -> list[tuple[str, str]]:
    """The patient's clinic's lots of these products that may be dispensed on their day."""
    keys = list(dict.fromkeys(p.product_key for p in products))
    today = patient_today(patient)
    lots = [lot for key in keys for lot in dispensable_lots(patient.clinic_id, key, today)]
    return [(lot.lot_number, lot_label(lot, with_product=len(keys) > 1)) for lot in lots]


def stock_url() -> str | None:
    """The clinic's stock page, where a receipt puts a lot on the shelf (None: no such page)."""
    try:
        return reverse("ws-stock")
    except NoReverseMatch:
        return None
