"""The typical patient's exposure after a plan's dose (clinical.pk), stored with the plan."""

from __future__ import annotations

from typing import Any

from ketacare.clinical import pk
from ketacare.treatment.models import Drug

# Why the stored IV equivalent may be below the typical patient's (CLINICAL.md G11).
CAUTIOUS_IV_NOTE = (
    "The IV equivalent is the cautious dose: it uses the bioavailability that gives the "
    "smaller dose."
)


def pk_summary(route: str, drug: str, dose_mg: float, weight_kg: float) -> dict[str, Any]:
    """The typical patient's exposure after one dose (clinical.pk), and its IV equivalent.

    The IV equivalent matches the total exposure (AUC). `iv_equivalent_mg` is the cautious
    dose clinical.pk proposes (each route read at the bioavailability that gives the smaller
    dose, CLINICAL.md G11); the typical patient's dose and the 5th-95th percentile between
    simulated patients stand beside it, and the note says which bioavailability was used.
    """
    profile = pk.simulate(route, dose_mg, weight_kg=weight_kg, formulation=drug)
    summary: dict[str, Any] = {
        "cmax_ng_ml": round(profile.cmax_ng_ml, 1),
        "auc_ng_h_ml": round(profile.auc_ng_h_ml, 1),
        "tmax_h": round(profile.tmax_h, 2),
        "iv_equivalent_mg": None,
        "iv_equivalent_typical_mg": None,
        "iv_equivalent_5_95_mg": None,
        "note": "Typical patient of the clinical.pk model (docs/pharmacokinetics.md).",
    }
    if drug != Drug.RACEMIC:
        # clinical.pk matches racemic doses only: the enantiomers' potencies are not known.
        summary["note"] += " No IV equivalent for esketamine."
        return summary
    iv = pk.equivalent_dose(route, dose_mg, "iv", weight_kg=weight_kg, match="auc")
    words = [CAUTIOUS_IV_NOTE, *(_sentence(note) for note in iv.notes)]
    return summary | {
        "iv_equivalent_mg": round(iv.dose_mg, 1),
        "iv_equivalent_typical_mg": round(iv.typical_mg, 1),
        "iv_equivalent_5_95_mg": [round(iv.low_mg, 1), round(iv.high_mg, 1)],
        "note": " ".join([summary["note"], *words]),
    }


def _sentence(text: str) -> str:
    """clinical.pk's note as a sentence: a capital first letter."""
    return text[:1].upper() + text[1:]
