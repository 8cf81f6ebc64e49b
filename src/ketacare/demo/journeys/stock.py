"""The demo clinic's shelf: stock received and verified through the services before it goes out.

Before a dispense, the pharmacist finds an in-date lot of the prescribed product holding
the units; when there is none (the product's first dispense, or a lot running low), a
delivery comes in first: the pharmacist records its receipt and the prescriber, a
second person, verifies it with their own count (the demo clinic has one pharmacist).
The dispense then names that lot.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from ketacare.accounts.models import Clinic
from ketacare.demo.journeys.cast import Cast
from ketacare.kernel import specs
from ketacare.pharmacy.models import Lot
from ketacare.pharmacy.queries.stock import clinic_today
from ketacare.pharmacy.receipts import receive_stock, verify_receipt
from ketacare.pharmacy.specs.receipts import ReceiptSpec, VerifyReceiptSpec
from ketacare.treatment.models import Prescription

# One delivery, in units of the product (tablets, troches or sprays): a demo figure.
DELIVERY_UNITS = 500
# The expiry on a delivery's label, from the day it comes in: a demo figure, not a rule.
SHELF_LIFE = timedelta(days=365)
SUPPLIER = "Compounding Pharmacy of Record"
SUPPLIER_DEA_NUMBER = "AC1234563"  # a made-up number with a valid check digit
_PRODUCT_FIELDS = (
    "drug",
    "formulation_kind",
    "strength_mg",
    "scored",
    "concentration_mg_per_ml",
    "spray_volume_ml",
)


def _same_product(rx: Prescription) -> dict[str, object]:
    return {name: getattr(rx, name) for name in _PRODUCT_FIELDS}


def _code(rx: Prescription) -> str:
    """A short name of the product for its lot numbers: "TR50", "SL100", "NS100"."""
    kind = {"troche": "TR", "sublingual_tablet": "SL", "rapid_dissolve": "RD"}
    if rx.strength_mg is not None:
        return f"{kind.get(str(rx.formulation_kind), 'TB')}{rx.strength_mg.normalize():f}"
    return f"NS{(rx.concentration_mg_per_ml or Decimal(0)).normalize():f}"


def _deliver(cast: Cast, clinic: Clinic, rx: Prescription, units: int) -> Lot:
    """A delivery of the product, received by the pharmacist and verified by the prescriber."""
    count = Lot.objects.filter(clinic=clinic, **_same_product(rx)).count()
    day = clinic_today(clinic)
    delivery = {
        "product": f"Ketamine HCl {rx.product}",
        **{name: getattr(rx, name) for name in _PRODUCT_FIELDS},
        "supplier": SUPPLIER,
        "supplier_dea_number": SUPPLIER_DEA_NUMBER,
        "invoice_number": f"INV-{day:%y%m%d}-{_code(rx)}",
        "lot_number": f"KC-{_code(rx)}-{day:%y%m}-{count + 1:02d}",
        "expires_on": day + SHELF_LIFE,
        "quantity": max(DELIVERY_UNITS, units),
    }
    receipt = receive_stock(cast.pharmacist, clinic, specs.read(ReceiptSpec, delivery))
    counted = VerifyReceiptSpec(counted=int(receipt.quantity))
    return verify_receipt(cast.prescriber, receipt, counted).lot


def lot_for(cast: Cast, rx: Prescription, units: int) -> Lot:
    """An in-date, unrecalled lot of the prescription's product holding `units`, first to expire.

    Delivered (and verified) now when the shelf has none.
    """
    clinic = rx.patient.clinic
    lot = (
        Lot.objects.filter(
            clinic=clinic,
            on_hand__gte=units,
            recalled_at__isnull=True,
            expires_on__gt=clinic_today(clinic),
            **_same_product(rx),
        )
        .order_by("expires_on", "pk")
        .first()
    )
    return lot if lot is not None else _deliver(cast, clinic, rx, units)
