"""What the models share: the shapes of quantities, and a constraint on choices."""

from __future__ import annotations

from ketacare.pharmacy.models.base import HALF, LEDGER_MAX_DIGITS, LEDGER_PLACES, ONE, known

__all__ = [
    "DOSE_MAX_DIGITS",
    "DOSE_PLACES",
    "HALF",
    "LEDGER_MAX_DIGITS",
    "LEDGER_PLACES",
    "ONE",
    "known",
]

# Doses: four places (a half of a 2-decimal strength, or a 1-decimal concentration x a
# 3-decimal spray volume, is exact in four). Ledger quantities: pharmacy.models.base.
DOSE_MAX_DIGITS, DOSE_PLACES = 10, 4
