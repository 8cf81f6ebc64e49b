"""The command of the end-of-induction review: benefit, decision, and a note."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ketacare.kernel import specs
from ketacare.kernel.specs import Spec
from ketacare.treatment.models import Benefit, ReviewDecision


def _needed() -> Any:
    """No default the field accepts: a missing value is refused in the field's own words."""
    return Field(default=None, validate_default=True)


class InductionReviewSpec(Spec):
    """A clinician's review at the end of induction.

    `benefit`: response, partial or none, as the clinician judges it from the outcome
    summary and the patient. `decision`: continue_to_maintenance, change_dose or stop.
    `note`: required when changing the dose or stopping (the service says so on `note`).
    """

    benefit: specs.choice(Benefit) = _needed()  # type: ignore[valid-type]
    decision: specs.choice(ReviewDecision) = _needed()  # type: ignore[valid-type]
    note: specs.text(4000) = ""  # type: ignore[valid-type]
