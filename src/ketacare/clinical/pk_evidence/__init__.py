"""Published ketamine blood levels, and what the model (`pk`) predicts for each.

Every row is a figure a study or a label published (docs/pharmacokinetics.md lists the
references in full): the dose, the route, who was given it, what was measured and its
spread as published. `predict` gives the model's figure for the same dose; tests and the
docs hold the model to within 2x of every row, or name the row a miss and say why
(`Observation.miss`). `Observation.independent` is False where the row is also one of the
model's inputs, so agreement there proves nothing.

Weights: where a study gives none, 70 kg is assumed (the model's reference adult). A dose
given per kg is converted at that weight.

By topic: `observation` (what a row holds), `published` (the rows, `OBSERVATIONS`) and
`comparison` (the model's figure for a row, and the 2x tolerance).
"""

from __future__ import annotations

from ketacare.clinical.pk_evidence.comparison import TOLERANCE, predict, ratio, within
from ketacare.clinical.pk_evidence.observation import (
    ASSUMED_WEIGHT_KG,
    KETAMINE_G_PER_MOL,
    Observation,
    Quantity,
)
from ketacare.clinical.pk_evidence.published import OBSERVATIONS

__all__ = [
    "ASSUMED_WEIGHT_KG",
    "KETAMINE_G_PER_MOL",
    "OBSERVATIONS",
    "TOLERANCE",
    "Observation",
    "Quantity",
    "predict",
    "ratio",
    "within",
]
