"""Dispensing (pharmacist only), its voids and corrections, and refill requests.

A prescription allows `quantity` units a fill and `refills` more fills: never more than
quantity x (1 + refills) units and 1 + refills fills in all. A fill may be dispensed in
parts (21 CFR 1306.23 allows partial fills of Schedule III): the next dispense continues
the fill until its quantity is reached, a new fill starts only when every fill started
is complete, and one dispense never straddles two fills. Each dispense locks the
prescription row, and CHECK constraints on its running totals hold the rule in the
database too. A refill (a new fill from the second on) before the earliest refill date
is an early refill: the pharmacist may dispense it only with a written reason, and it is
recorded as a diversion finding (as is a refill request made before that date).

Nothing is dispensed on a prescription that is voided, awaits its co-sign, is past its
last fill day (6 months after the date of issue, CLINICAL.md G8), or is for a product
not for home use (esketamine, G4). A dispense is never deleted: its pharmacist voids it
with a reason (a `dispense_reversed` ledger event takes its units back, refused when
the patient no longer holds them), and `correct_dispense` voids it and dispenses its
replacement, linked, in one transaction.

Lock order (ledger.py): prescription -> ledger account -> audit head.

The code lives by topic: which fill comes next (fills), dispensing and correcting
(dispense), voiding (voiding) and refill requests (refills).
"""

from ketacare.treatment.dispensing.dispense import correct_dispense, dispense
from ketacare.treatment.dispensing.fills import (
    Fill,
    current_plan,
    fill_after,
    locked_prescription,
    next_fill,
    not_fillable_because,
    patient_today,
    units_in_words,
)
from ketacare.treatment.dispensing.refills import request_refill
from ketacare.treatment.dispensing.voiding import void_dispense

__all__ = [
    "Fill",
    "correct_dispense",
    "current_plan",
    "dispense",
    "fill_after",
    "locked_prescription",
    "next_fill",
    "not_fillable_because",
    "patient_today",
    "request_refill",
    "units_in_words",
    "void_dispense",
]
