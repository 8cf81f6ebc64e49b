"""One published figure: the dose, the route, who was given it, what was measured.

Weights: where a study gives none, 70 kg is assumed (the model's reference adult). A dose
given per kg is converted at that weight (`_mg`); a concentration published in umol/L is
read as ng/mL with ketamine's molar mass (`_umol`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ketacare.clinical import pk

Quantity = Literal[
    "cmax",
    "tmax",
    "auc",
    "concentration",
    "distribution half-life",
    "terminal half-life",
    "steady state",
]
ASSUMED_WEIGHT_KG = 70.0
# Ketamine's molar mass (g/mol), to read a concentration given in umol/L as ng/mL.
KETAMINE_G_PER_MOL = 237.7
_MIN_PER_H = 60.0


@dataclass(frozen=True)
class Observation:
    """One published figure: a dose, what was measured after it, and where it was published."""

    source: str  # short reference, in full in docs/pharmacokinetics.md
    route: pk.Route
    dose_mg: float
    subjects: str
    quantity: Quantity
    value: float  # ng/mL, h, or ng.h/mL; the low end when the source gives a range
    published: str  # the figure as published, with its spread
    formulation: pk.Formulation = "racemic"
    infusion_min: float = 0.0
    high: float | None = None  # the high end, when the source gives a range
    at_h: float | None = None  # for a concentration at a named time
    rate_mg_per_h: float = 0.0  # for a steady state during an infusion
    weight_kg: float = ASSUMED_WEIGHT_KG
    independent: bool = True
    note: str = ""
    miss: str = ""  # why the model is more than 2x off, when it is

    @property
    def unit(self) -> str:
        if self.quantity in {"tmax", "distribution half-life", "terminal half-life"}:
            return "h"
        return "ng.h/mL" if self.quantity == "auc" else "ng/mL"


def _mg(mg_per_kg: float) -> float:
    return mg_per_kg * ASSUMED_WEIGHT_KG


def _umol(umol_per_l: float) -> float:
    return umol_per_l * KETAMINE_G_PER_MOL
