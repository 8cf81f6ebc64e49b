"""The lots a pharmacist may dispense a product from today: what the dispense form offers.

The same rules as the dispense itself (pharmacy.stock.dispensable_lot): a lot of the
clinic's lot master, of the product, neither recalled nor expired on the patient's
calendar day; and, to be worth offering, with stock on hand. The use case checks them
again under the lot's lock.
"""

from __future__ import annotations

from datetime import date

from ketacare.pharmacy.models import Lot

# The fields of Product.product_key, in its order: two products are the same when equal.
KEY_FIELDS = (
    "formulation_kind",
    "strength_mg",
    "scored",
    "concentration_mg_per_ml",
    "spray_volume_ml",
)


def dispensable_lots(clinic_id: int, product_key: tuple[object, ...], today: date) -> list[Lot]:
    """The clinic's lots of the product with units on hand, not recalled, unexpired on `today`.

    Soonest expiry first (first expired, first out). A lot expiring on `today` is expired,
    as the dispense judges it.
    """
    product = dict(zip(KEY_FIELDS, product_key, strict=True))
    rows = Lot.objects.filter(
        clinic_id=clinic_id,
        on_hand__gt=0,
        recalled_at__isnull=True,
        expires_on__gt=today,
        **product,
    ).order_by("expires_on", "lot_number")
    return list(rows)
